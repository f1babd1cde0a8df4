import type { CustomFetchOptions } from 'oauth4webapi';
import { OAuthClientError } from './oauth-client.error';
import type { Dispatcher } from 'undici';
import { guardedRequest } from './ssrf-guard';

/** What every call to a provider sends as its user agent (GitHub's API refuses calls without). */
export const USER_AGENT = 'mcp-auth-gateway';

export interface ProviderFetchLimits {
  timeoutMs: number;
  maxBytes: number;
}

/** The `fetch` shape oauth4webapi accepts as its `customFetch`. */
export type ProviderFetch = (
  url: string,
  options: CustomFetchOptions<string, unknown>,
) => Promise<Response>;

// Statuses whose Response may not carry a body (the Fetch standard's null body statuses).
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * oauth4webapi's `customFetch` for provider calls: through {@link guardedRequest} (SSRF checks on
 * the address connected to), redirects refused, a timeout, and the answer read up to `maxBytes`
 * before oauth4webapi (which reads bodies unbounded) sees it, as the `Response` it expects.
 *
 * @throws OAuthClientError `unreachable` (nothing answered, a redirect, or the address is
 *   forbidden), `bad_response` (the answer is larger than allowed or could not be read)
 */
export function providerFetch(limits: ProviderFetchLimits): ProviderFetch {
  return async (url, options) => {
    const host = new URL(url).host;
    let answer: Dispatcher.ResponseData;
    try {
      answer = await guardedRequest(url, {
        method: options.method as Dispatcher.HttpMethod,
        headers: Object.fromEntries(
          new Headers(options.headers as ConstructorParameters<typeof Headers>[0]),
        ),
        body:
          options.body === undefined || options.body === null ? null : requestBody(options.body),
        signal: AbortSignal.timeout(limits.timeoutMs),
      });
    } catch (error) {
      throw new OAuthClientError('unreachable', `${host} is unreachable`, undefined, {
        cause: error,
      });
    }
    if (answer.statusCode >= 300 && answer.statusCode < 400) {
      discard(answer.body);
      throw new OAuthClientError('unreachable', `${host} redirected (not followed)`);
    }
    let text: string;
    try {
      text = await readBounded(answer.body, limits.maxBytes);
    } catch (error) {
      throw error instanceof OAuthClientError
        ? error
        : new OAuthClientError(
            'bad_response',
            `${host} answered ${answer.statusCode} unreadably`,
            undefined,
            { cause: error },
          );
    }
    return new Response(NULL_BODY.has(answer.statusCode) ? null : text, {
      status: answer.statusCode,
      headers: responseHeaders(answer.headers),
    });
  };
}

/** What oauth4webapi sends (a form, or a JSON string) as undici's request body. */
function requestBody(body: unknown): string | Uint8Array {
  if (typeof body === 'string' || body instanceof Uint8Array) {
    return body;
  }
  if (body instanceof URLSearchParams) {
    return body.toString();
  }
  throw new OAuthClientError('bad_response', 'unsupported request body');
}

function responseHeaders(raw: Dispatcher.ResponseData['headers']): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
      headers.append(name, one);
    }
  }
  return headers;
}

/** Stops reading an answer (undici reports the abort as an error event: expected here). */
function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => undefined);
  body.destroy();
}

/** Reads a body up to `max` bytes; beyond that the read stops and is an error. */
async function readBounded(body: Dispatcher.ResponseData['body'], max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).byteLength;
    if (size > max) {
      discard(body);
      throw new OAuthClientError('bad_response', 'answer too large');
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
