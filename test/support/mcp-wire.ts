import { request as httpRequest } from 'node:http';
import { PolicyCache } from '@app/policy-cache';
import { UpstreamCache } from '@app/upstream-cache';
import { within } from '@app/testing';
import type { GatewayHarness } from './gateway.harness';

// Raw MCP wire helpers for the gateway suites: what a client puts on the wire and what comes
// back, without an SDK in between (the suites assert exact statuses, codes and headers).

export const LEGACY_VERSION = '2025-11-25';
export const MODERN_VERSION = '2026-07-28';
export const ACCEPT = 'application/json, text/event-stream';

export interface McpAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  json: any;
  /** The JSON-RPC messages of the answer: the JSON body, or every `data:` of an SSE body. */
  messages: any[];
}

export interface McpCall {
  method?: string;
  token?: string;
  headers?: Record<string, string>;
  /** A JSON-RPC message (serialised) or raw bytes as they are. */
  body?: unknown;
  raw?: string | Buffer;
  /** Path and query appended to the route URL. */
  suffix?: string;
  signal?: AbortSignal;
}

/** Sends one request to `url` (a `/mcp/{upstream}` route) and reads the whole answer. */
export async function mcpCall(url: string, call: McpCall = {}): Promise<McpAnswer> {
  const headers: Record<string, string> = { accept: ACCEPT };
  const method = call.method ?? 'POST';
  if (method === 'POST') {
    headers['content-type'] = 'application/json';
  }
  if (call.token !== undefined) {
    headers.authorization = `Bearer ${call.token}`;
  }
  Object.assign(headers, call.headers);
  const body =
    call.raw !== undefined
      ? call.raw
      : call.body !== undefined
        ? JSON.stringify(call.body)
        : undefined;
  const response = await fetch(`${url}${call.suffix ?? ''}`, {
    method,
    headers,
    body,
    redirect: 'manual',
    ...(call.signal !== undefined ? { signal: call.signal } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, ...parseBody(text) };
}

export function parseBody(text: string): { json: any; messages: any[] } {
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (json !== undefined) {
    return { json, messages: [json] };
  }
  return { json: undefined, messages: sseMessages(text) };
}

/** The JSON `data:` payloads of an SSE body, in order (priming events without data are skipped). */
export function sseMessages(text: string): any[] {
  const messages: any[] = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    const data = block
      .split(/\r?\n/)
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).replace(/^ /, ''))
      .join('\n');
    if (data !== '') {
      messages.push(JSON.parse(data));
    }
  }
  return messages;
}

/** `Bearer a="b", c="d"` → `{ scheme: 'Bearer', params: { a: 'b', c: 'd' } }`. */
export function parseChallenge(header: string | null): {
  scheme: string;
  params: Record<string, string>;
} {
  const value = header ?? '';
  const space = value.indexOf(' ');
  const params: Record<string, string> = {};
  for (const match of value.slice(space + 1).matchAll(/([a-z_]+)="([^"]*)"/g)) {
    params[match[1]!] = match[2]!;
  }
  return { scheme: space === -1 ? value : value.slice(0, space), params };
}

/** `params._meta` of a 2026-07-28 request. */
export function modernMeta(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    'io.modelcontextprotocol/protocolVersion': MODERN_VERSION,
    'io.modelcontextprotocol/clientCapabilities': {},
    'io.modelcontextprotocol/clientInfo': { name: 'gateway-e2e', version: '1.0.0' },
    ...extra,
  };
}

/** A 2026-07-28 request: body with the `_meta` envelope and its mirrored headers. */
export function modernRequest(
  id: number,
  method: string,
  params: Record<string, unknown> = {},
  meta: Record<string, unknown> = {},
): { body: unknown; headers: Record<string, string> } {
  const name =
    method === 'tools/call' || method === 'prompts/get'
      ? params.name
      : method === 'resources/read'
        ? params.uri
        : undefined;
  return {
    body: { jsonrpc: '2.0', id, method, params: { ...params, _meta: modernMeta(meta) } },
    headers: {
      'mcp-protocol-version': MODERN_VERSION,
      'mcp-method': method,
      ...(typeof name === 'string' ? { 'mcp-name': name } : {}),
    },
  };
}

export function initializeMessage(id = 1, capabilities: Record<string, unknown> = {}): unknown {
  return {
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: {
      protocolVersion: LEGACY_VERSION,
      capabilities,
      clientInfo: { name: 'gateway-e2e', version: '1.0.0' },
    },
  };
}

/** A 2025-era session through the gateway: initialize + notifications/initialized; its id. */
export async function openLegacySession(url: string, token: string): Promise<string> {
  const init = await mcpCall(url, { token, body: initializeMessage() });
  const sessionId = init.headers.get('mcp-session-id');
  if (init.status !== 200 || sessionId === null) {
    throw new Error(`initialize through the gateway failed: ${init.status} ${init.text}`);
  }
  const initialized = await mcpCall(url, {
    token,
    headers: { 'mcp-session-id': sessionId, 'mcp-protocol-version': LEGACY_VERSION },
    body: { jsonrpc: '2.0', method: 'notifications/initialized' },
  });
  if (initialized.status !== 202) {
    throw new Error(`notifications/initialized failed: ${initialized.status}`);
  }
  return sessionId;
}

/** Replaces the policy set through the admin API and waits until the gateway serves it. */
export async function applyPolicies(h: GatewayHarness, policies: unknown[]): Promise<void> {
  const put = await h.admin('PUT', '/admin/v1/policies', { auth_policies: policies });
  if (put.status !== 200) {
    throw new Error(`PUT /admin/v1/policies: ${put.status} ${put.text}`);
  }
  const version = Number(put.json.policy_set_version);
  const cache = h.gateway.get(PolicyCache);
  await within(10_000, () => cache.version >= version);
}

/** Registers another upstream through the admin API and waits until the gateway routes it. */
export async function registerUpstream(
  h: GatewayHarness,
  upstream: { name: string; url: string } & Record<string, unknown>,
): Promise<void> {
  const created = await h.admin('POST', '/admin/v1/upstreams', upstream);
  if (created.status !== 201) {
    throw new Error(`POST /admin/v1/upstreams: ${created.status} ${created.text}`);
  }
  const cache = h.gateway.get(UpstreamCache);
  await within(10_000, () => cache.get(upstream.name) !== undefined);
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * A request through node:http, for what fetch will not send: a forged `Host`, header values that
 * are not ASCII, duplicate headers.
 */
export function rawHttp(
  url: string,
  options: { method?: string; headers?: Record<string, string | string[]>; body?: Buffer | string },
): Promise<RawAnswer> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: options.method ?? 'POST',
        // Framed explicitly: Node sends a DELETE/OPTIONS body unframed otherwise, and the server
        // would read it as the next request.
        headers:
          options.body === undefined
            ? options.headers
            : { ...options.headers, 'content-length': String(Buffer.byteLength(options.body)) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

export interface SseStream {
  status: number;
  headers: Headers;
  /** Every JSON-RPC message received so far, in order. */
  messages: any[];
  /** The first message (already received or still to come) that `match` accepts. */
  waitFor(match: (message: any) => boolean, timeoutMs?: number): Promise<any>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

/**
 * Opens a request whose answer is read as it arrives (an SSE stream that may never end), so a
 * test can see an event while the stream is still open: proof that nothing buffers it.
 */
export async function openSse(
  url: string,
  call: McpCall = {},
  options: { headWithinMs?: number } = {},
): Promise<SseStream> {
  const controller = new AbortController();
  const headers: Record<string, string> = { accept: ACCEPT };
  const method = call.method ?? 'POST';
  if (method === 'POST') {
    headers['content-type'] = 'application/json';
  }
  if (call.token !== undefined) {
    headers.authorization = `Bearer ${call.token}`;
  }
  Object.assign(headers, call.headers);
  const pending = fetch(`${url}${call.suffix ?? ''}`, {
    method,
    headers,
    body: call.body !== undefined ? JSON.stringify(call.body) : undefined,
    signal: controller.signal,
  });
  let timer: NodeJS.Timeout | undefined;
  const response = await (options.headWithinMs === undefined
    ? pending
    : Promise.race([
        pending,
        new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => {
            controller.abort();
            reject(new Error(`no response head within ${options.headWithinMs} ms`));
          }, options.headWithinMs);
        }),
      ]).finally(() => clearTimeout(timer)));
  const messages: any[] = [];
  const waiters = new Set<() => void>();
  const wake = (): void => waiters.forEach((waiter) => waiter());
  const ended = (async () => {
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) {
          return;
        }
        buffer += decoder.decode(value, { stream: true });
        const blocks = buffer.split(/\r?\n\r?\n/);
        buffer = blocks.pop()!;
        messages.push(...sseMessages(blocks.join('\n\n')));
        wake();
      }
    } catch {
      // Closed by us (or the server went away): the waiters time out or have what they need.
    } finally {
      wake();
    }
  })();
  return {
    status: response.status,
    headers: response.headers,
    messages,
    ended,
    waitFor: (match, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const found = messages.find(match);
          if (found !== undefined) {
            cleanup();
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no matching SSE message within ${timeoutMs} ms`));
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
    close: () => controller.abort(),
  };
}
