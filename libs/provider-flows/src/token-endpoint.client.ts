import { Injectable } from '@nestjs/common';
import { guardedFetch } from './ssrf-guard';
import { OAuthClientError } from './oauth-client.error';

export interface TokenResponse {
  access_token: string;
  token_type: string;
  /** Seconds as the server gave them (numeric strings accepted); undefined when absent or invalid. */
  expires_in: number | undefined;
  refresh_token?: string;
  scope?: string;
}

export interface ClientAuth {
  id: string;
  secret?: string;
}

// RFC 6749 §5.1 only RECOMMENDS expires_in: without it, reuse the token this long.
const DEFAULT_EXPIRES_IN_S = 300;
const MAX_EXPIRES_IN_S = 86_400;
// RFC 6750 §2.1 b64token: what may follow "Bearer " in a header.
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const TIMEOUT_MS = 10_000;
const MAX_BODY_BYTES = 64 * 1024;

/**
 * POSTs forms to provider endpoints (token endpoint: RFC 6749 §4.4, RFC 7523 §2.1, RFC 8628
 * §3.4; device authorization endpoint: RFC 8628 §3.1) and reads bounded JSON answers. Redirects
 * are refused; answers are capped at 64 KiB and 10 s.
 */
@Injectable()
export class TokenEndpointClient {
  /** A token request; the answer must carry a Bearer access token. */
  async request(
    url: string,
    form: Record<string, string>,
    auth?: ClientAuth,
  ): Promise<TokenResponse> {
    const body = await this.postForm(url, form, auth);
    if (
      typeof body.access_token !== 'string' ||
      !B64TOKEN.test(body.access_token) ||
      typeof body.token_type !== 'string' ||
      body.token_type.toLowerCase() !== 'bearer'
    ) {
      throw new OAuthClientError(
        'bad_response',
        `${new URL(url).host} answered without a Bearer access token`,
      );
    }
    return {
      access_token: body.access_token,
      token_type: body.token_type,
      expires_in: positiveSeconds(body.expires_in),
      refresh_token: typeof body.refresh_token === 'string' ? body.refresh_token : undefined,
      scope: typeof body.scope === 'string' ? body.scope : undefined,
    };
  }

  /**
   * POSTs a form and returns the JSON object of a 2xx answer. Client authentication: HTTP Basic
   * when there is a secret (RFC 6749 §2.3.1, id and secret form-urlencoded first), otherwise
   * `client_id` in the form (public clients).
   */
  async postForm(
    url: string,
    form: Record<string, string>,
    auth?: ClientAuth,
  ): Promise<Record<string, unknown>> {
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    const fields = { ...form };
    if (auth?.secret !== undefined) {
      const pair = `${encodeURIComponent(auth.id)}:${encodeURIComponent(auth.secret)}`;
      headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
    } else if (auth) {
      fields.client_id = auth.id;
    }
    const host = new URL(url).host;
    let response: Response;
    try {
      response = await guardedFetch(url, {
        method: 'POST',
        headers,
        body: new URLSearchParams(fields).toString(),
        redirect: 'error',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      throw new OAuthClientError('unreachable', `${host} is unreachable`, undefined, {
        cause: error,
      });
    }
    let body: unknown;
    try {
      body = JSON.parse(await boundedText(response));
    } catch (error) {
      if (error instanceof OAuthClientError) {
        throw error;
      }
      throw new OAuthClientError(
        'bad_response',
        `${host} answered ${response.status} without JSON`,
      );
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new OAuthClientError(
        'bad_response',
        `${host} answered ${response.status} without a JSON object`,
      );
    }
    const object = body as Record<string, unknown>;
    // Some providers (GitHub) answer OAuth errors with 200 and an `error` member.
    const errorIn2xx =
      typeof object.error === 'string' &&
      object.access_token === undefined &&
      object.device_code === undefined;
    if (!response.ok || errorIn2xx) {
      const code =
        typeof object.error === 'string' && /^[\x20-\x7e]{1,64}$/.test(object.error)
          ? object.error
          : undefined;
      throw new OAuthClientError(
        'oauth_error',
        `${host} answered ${response.status} (${code ?? 'no error code'})`,
        code,
      );
    }
    return object;
  }
}

/** Reads a response body up to `max` bytes; beyond that the read stops and is an error. */
export async function readBoundedText(
  response: Response,
  max: number = MAX_BODY_BYTES,
): Promise<string> {
  return boundedText(response, max);
}

async function boundedText(response: Response, max: number = MAX_BODY_BYTES): Promise<string> {
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

/** A positive number of seconds (numeric strings accepted, as some servers send them). */
export function positiveSeconds(value: unknown): number | undefined {
  const seconds = typeof value === 'string' && /^\d{1,10}$/.test(value) ? Number(value) : value;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0
    ? seconds
    : undefined;
}

/** {@link positiveSeconds} with a fallback and a cap. */
export function expiresIn(
  value: unknown,
  fallback = DEFAULT_EXPIRES_IN_S,
  max = MAX_EXPIRES_IN_S,
): number {
  return Math.min(positiveSeconds(value) ?? fallback, max);
}
