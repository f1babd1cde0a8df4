import { Injectable } from '@nestjs/common';
import * as oauth from 'oauth4webapi';
import { isLoopbackHost } from '@app/crypto';
import { OAuthClientError } from './oauth-client.error';
import { providerFetch, USER_AGENT } from './provider-fetch';

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
const fetchAnswer = providerFetch({ timeoutMs: 10_000, maxBytes: 64 * 1024 });
// RFC 7523 §2.1: a jwt-bearer grant is authenticated by its assertion, so no client id is sent.
const ASSERTION_CLIENT: oauth.Client = { client_id: 'assertion-authenticated' };
const noClientAuth: oauth.ClientAuth = () => undefined;

/**
 * Calls to provider endpoints through oauth4webapi, which builds the requests (form encoding,
 * client authentication: HTTP Basic when there is a secret, RFC 6749 §2.3.1, otherwise `client_id`
 * in the form): token endpoint (RFC 6749 §4.1/§4.4, RFC 7523 §2.1, RFC 8628 §3.4), device
 * authorization endpoint (RFC 8628 §3.1), revocation (RFC 7009). Requests go through
 * {@link providerFetch}: SSRF-guarded, no redirects, answers capped at 64 KiB and 10 s.
 *
 * Token and device answers are read here rather than by oauth4webapi's `process…Response`:
 * GitHub answers OAuth errors with HTTP 200 and an `error` member (oauth4webapi would call that a
 * malformed success); an `id_token` beside the access token would be validated against an issuer
 * that GitHub has not got and Microsoft's multi-tenant `common` preset cannot match (we never use
 * ID tokens); a 5xx with an OAuth error body must stay an OAuth error; and a garbled `expires_in`
 * must mean "unknown", not a refused token. Comma-separated scopes (GitHub) are kept as sent.
 */
@Injectable()
export class TokenEndpointClient {
  /** A token request (`form.grant_type` names the grant); the answer must carry a Bearer token. */
  async request(
    url: string,
    form: Record<string, string>,
    auth?: ClientAuth,
  ): Promise<TokenResponse> {
    const { grant_type: grantType, ...parameters } = form;
    const response = await send(url, () =>
      oauth.genericTokenEndpointRequest(
        server(url, 'token_endpoint'),
        auth === undefined ? ASSERTION_CLIENT : { client_id: auth.id },
        auth === undefined ? noClientAuth : clientAuthentication(auth),
        grantType ?? '',
        parameters,
        options(url),
      ),
    );
    const body = await readAnswer(response, url);
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
   * Asks for a device code (RFC 8628 §3.1) and returns the JSON object of the answer, checked by
   * the caller: Google names `verification_uri` `verification_url`, which oauth4webapi refuses.
   */
  async deviceAuthorization(
    url: string,
    form: Record<string, string>,
    auth: ClientAuth,
  ): Promise<Record<string, unknown>> {
    const response = await send(url, () =>
      oauth.deviceAuthorizationRequest(
        server(url, 'device_authorization_endpoint'),
        { client_id: auth.id },
        clientAuthentication(auth),
        form,
        options(url),
      ),
    );
    return readAnswer(response, url);
  }

  /** Revokes a token at the provider (RFC 7009 §2.1; any 200 answer, usually empty, is success). */
  async revoke(url: string, token: string, hint: string, auth: ClientAuth): Promise<void> {
    const response = await send(url, () =>
      oauth.revocationRequest(
        server(url, 'revocation_endpoint'),
        { client_id: auth.id },
        clientAuthentication(auth),
        token,
        { ...options(url), additionalParameters: { token_type_hint: hint } },
      ),
    );
    try {
      await oauth.processRevocationResponse(response);
    } catch (error) {
      // Not passed on as the cause: oauth4webapi's errors hold the whole answer.
      throw new OAuthClientError(
        'oauth_error',
        `${new URL(url).host} answered ${response.status} to a revocation`,
        error instanceof oauth.ResponseBodyError ? oauthErrorCode(error.error) : undefined,
      );
    }
  }
}

/**
 * Runs one oauth4webapi request. Its own refusals before anything is sent (a URL it will not
 * call, an argument it rejects) become `unreachable` like any other call that could not be made.
 */
async function send(url: string, request: () => Promise<Response>): Promise<Response> {
  try {
    return await request();
  } catch (error) {
    if (error instanceof OAuthClientError) {
      throw error;
    }
    throw new OAuthClientError('unreachable', `${new URL(url).host} cannot be called`, undefined, {
      cause: error,
    });
  }
}

/** The one endpoint a request needs; the issuer is never checked on these calls. */
function server(url: string, endpoint: keyof oauth.AuthorizationServer): oauth.AuthorizationServer {
  return { issuer: new URL(url).origin, [endpoint]: url };
}

function options(url: string) {
  return {
    [oauth.customFetch]: fetchAnswer,
    // The admin API admits plain http only on loopback hosts (local development).
    [oauth.allowInsecureRequests]: isLoopbackHost(new URL(url).hostname),
    headers: { 'user-agent': USER_AGENT },
  };
}

function clientAuthentication(auth: ClientAuth): oauth.ClientAuth {
  return auth.secret === undefined ? oauth.None() : oauth.ClientSecretBasic(auth.secret);
}

/** A provider's error code, if it is printable and short enough to log and compare. */
function oauthErrorCode(value: unknown): string | undefined {
  return typeof value === 'string' && /^[\x20-\x7e]{1,64}$/.test(value) ? value : undefined;
}

/**
 * The JSON object of a 2xx answer. OAuth errors (RFC 6749 §5.2, RFC 8628 §3.5) are
 * `oauth_error` with the code, also when sent with 200 (GitHub); anything that is not a JSON
 * object is `bad_response`.
 */
async function readAnswer(response: Response, url: string): Promise<Record<string, unknown>> {
  const host = new URL(url).host;
  let body: unknown;
  try {
    body = JSON.parse(await response.text());
  } catch {
    throw new OAuthClientError(
      'bad_response',
      `${host} answered ${response.status} without JSON`,
      undefined,
      { status: response.status },
    );
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new OAuthClientError(
      'bad_response',
      `${host} answered ${response.status} without a JSON object`,
    );
  }
  const object = body as Record<string, unknown>;
  const errorIn2xx =
    typeof object.error === 'string' &&
    object.access_token === undefined &&
    object.device_code === undefined;
  if (!response.ok || errorIn2xx) {
    const code = oauthErrorCode(object.error);
    throw new OAuthClientError(
      'oauth_error',
      `${host} answered ${response.status} (${code ?? 'no error code'})`,
      code,
      { status: response.status },
    );
  }
  return object;
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
