import type { CustomFetchOptions } from 'oauth4webapi';
import { OAuthClientError } from './oauth-client.error';
import { guardedFetch } from './ssrf-guard';

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
 * oauth4webapi's `customFetch` for provider calls: through {@link guardedFetch} (SSRF checks on
 * the address connected to), redirects refused, a timeout, and the answer read up to `maxBytes`
 * before oauth4webapi (which reads bodies unbounded) sees it.
 *
 * @throws OAuthClientError `unreachable` (nothing answered, or the address is forbidden),
 *   `bad_response` (the answer is larger than allowed or could not be read)
 */
export function providerFetch(limits: ProviderFetchLimits): ProviderFetch {
  return async (url, options) => {
    const host = new URL(url).host;
    let response: Response;
    try {
      response = await guardedFetch(url, {
        method: options.method,
        headers: options.headers,
        body: options.body as RequestInit['body'],
        redirect: 'error',
        signal: AbortSignal.timeout(limits.timeoutMs),
      });
    } catch (error) {
      throw new OAuthClientError('unreachable', `${host} is unreachable`, undefined, {
        cause: error,
      });
    }
    let text: string;
    try {
      text = await readBoundedText(response, limits.maxBytes);
    } catch (error) {
      throw error instanceof OAuthClientError
        ? error
        : new OAuthClientError(
            'bad_response',
            `${host} answered ${response.status} unreadably`,
            undefined,
            { cause: error },
          );
    }
    return new Response(NULL_BODY.has(response.status) ? null : text, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}

/** Reads a response body up to `max` bytes; beyond that the read stops and is an error. */
export async function readBoundedText(response: Response, max: number): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) {
    return '';
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      break;
    }
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw new OAuthClientError('bad_response', 'answer too large');
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
