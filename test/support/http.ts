import { ADMIN_TOKEN } from './admin-api.harness';

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

/** A small fetch wrapper for admin API tests: bearer token by default, JSON bodies, parsed answers. */
export async function call(
  baseUrl: string,
  method: string,
  path: string,
  options: {
    body?: unknown;
    raw?: string;
    contentType?: string;
    headers?: Record<string, string>;
    token?: string | null;
  } = {},
): Promise<HttpResult> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== null) {
    headers.authorization = `Bearer ${options.token ?? ADMIN_TOKEN}`;
  }
  let body: string | undefined;
  if (options.raw !== undefined) {
    body = options.raw;
    headers['content-type'] = options.contentType ?? 'application/json';
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = options.contentType ?? 'application/json';
  }
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}
