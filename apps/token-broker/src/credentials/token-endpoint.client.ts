import { Injectable } from '@nestjs/common';
import { CredentialError } from './credential.error';

export interface TokenResponse {
  access_token: string;
  token_type: string;
  /** Seconds; a default when the server gave none, capped to a sane maximum. */
  expires_in: number;
}

// RFC 6749 §5.1 only RECOMMENDS expires_in: without it, reuse the token this long.
const DEFAULT_EXPIRES_IN_S = 300;
const MAX_EXPIRES_IN_S = 86_400;
// RFC 6750 §2.1 b64token: what may follow "Bearer " in a header.
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

const TIMEOUT_MS = 10_000;
const MAX_BODY_BYTES = 64 * 1024;

/**
 * POSTs a form to an OAuth token endpoint (RFC 6749 §4.4, RFC 7523 §2.1) and reads a bounded
 * JSON answer. Behind its own class so the use cases stay free of transport details.
 */
@Injectable()
export class TokenEndpointClient {
  async request(
    url: string,
    form: Record<string, string>,
    basicAuth?: { id: string; secret: string },
  ): Promise<TokenResponse> {
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    if (basicAuth) {
      // RFC 6749 §2.3.1: form-urlencode id and secret before base64.
      const pair = `${encodeURIComponent(basicAuth.id)}:${encodeURIComponent(basicAuth.secret)}`;
      headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
    }
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers,
        body: new URLSearchParams(form).toString(),
        redirect: 'error',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      throw new CredentialError(
        'token_endpoint_failed',
        `token endpoint unreachable: ${new URL(url).host}`,
        { cause: error },
      );
    }
    const text = await this.boundedText(response);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new CredentialError(
        'token_endpoint_failed',
        `token endpoint answered ${response.status} without JSON`,
      );
    }
    const parsed = body as {
      access_token?: unknown;
      token_type?: unknown;
      expires_in?: unknown;
      error?: unknown;
    };
    if (
      !response.ok ||
      typeof parsed.access_token !== 'string' ||
      !B64TOKEN.test(parsed.access_token) ||
      typeof parsed.token_type !== 'string' ||
      parsed.token_type.toLowerCase() !== 'bearer'
    ) {
      const error = typeof parsed.error === 'string' ? parsed.error.slice(0, 64) : 'no token';
      throw new CredentialError(
        'token_endpoint_failed',
        `token endpoint answered ${response.status} (${error})`,
      );
    }
    return {
      access_token: parsed.access_token,
      token_type: parsed.token_type,
      expires_in: expiresIn(parsed.expires_in),
    };
  }

  private async boundedText(response: Response): Promise<string> {
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
      if (size > MAX_BODY_BYTES) {
        await reader.cancel();
        throw new CredentialError('token_endpoint_failed', 'token endpoint answer too large');
      }
      chunks.push(value);
    }
    return Buffer.concat(chunks).toString('utf8');
  }
}

/** A positive number of seconds (numeric strings accepted, as some servers send them), capped. */
function expiresIn(value: unknown): number {
  const seconds = typeof value === 'string' && /^\d{1,10}$/.test(value) ? Number(value) : value;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
    return DEFAULT_EXPIRES_IN_S;
  }
  return Math.min(seconds, MAX_EXPIRES_IN_S);
}
