import type { CredentialAnswer } from '@app/gateway-contract';
import { JSONRPC_ERRORS, jsonRpcError, jsonRpcResult, type JsonRpcId } from '@app/mcp-protocol';

type Remedy = Extract<CredentialAnswer, { outcome: 'auth_required' }>['remedy'];

/** `requestState` values of ours start with this, so a retry can be told from the upstream's own. */
export const GATEWAY_REQUEST_STATE_PREFIX = 'mcpgw-auth:';

/** Which of the three encodings the client understands (DESIGN "Auth-required answer"). */
export type RemedyEncoding = 'input_required' | 'url_elicitation' | 'seed';

function remedyUrl(remedy: Remedy): string {
  return remedy.auth_type === 'oauth'
    ? remedy.authorization_url
    : (remedy.verification_uri_complete ?? remedy.verification_uri);
}

function remedyMessage(remedy: Remedy): string {
  return remedy.auth_type === 'oauth'
    ? `Connect your ${remedy.provider} account to continue.`
    : `Connect your ${remedy.provider} account: enter the code ${remedy.user_code} at ${remedy.verification_uri}.`;
}

/**
 * One remedy, three wire forms:
 * 1. 2026-07-28 → an `InputRequiredResult` (result, HTTP 200) with one URL-mode elicitation and a
 *    `requestState`; the client opens the URL and retries the same request with that state.
 * 2. 2025-11-25 client that declared `elicitation.url` → error −32042 URLElicitationRequired
 *    listing the elicitation.
 * 3. Anything else → the seed's −32001 with `data` exactly as reference/001_guide.md shows it.
 * The URL is always a broker page that checks the person completing it is the user who triggered it.
 */
export function encodeAuthRequired(
  id: JsonRpcId | null,
  remedy: Remedy,
  encoding: RemedyEncoding,
): unknown {
  switch (encoding) {
    case 'input_required':
      return jsonRpcResult(id ?? 0, {
        resultType: 'input_required',
        inputRequests: {
          [`connect-${remedy.provider}`]: {
            method: 'elicitation/create',
            params: { mode: 'url', message: remedyMessage(remedy), url: remedyUrl(remedy) },
          },
        },
        requestState: `${GATEWAY_REQUEST_STATE_PREFIX}${remedy.auth_type === 'oauth' ? remedy.state : remedy.user_code}`,
      });
    case 'url_elicitation':
      return jsonRpcError(
        id,
        JSONRPC_ERRORS.urlElicitationRequired,
        'This request requires connecting an account first.',
        {
          elicitations: [
            {
              mode: 'url',
              elicitationId: remedy.auth_type === 'oauth' ? remedy.state : remedy.user_code,
              url: remedyUrl(remedy),
              message: remedyMessage(remedy),
            },
          ],
        },
      );
    case 'seed':
      return remedy.auth_type === 'oauth'
        ? jsonRpcError(id, JSONRPC_ERRORS.authRequired, 'OAuth authorization required', {
            auth_type: 'oauth',
            provider: remedy.provider,
            authorization_url: remedy.authorization_url,
            state: remedy.state,
            expires_in: remedy.expires_in,
            instructions: remedy.instructions,
          })
        : jsonRpcError(id, JSONRPC_ERRORS.authRequired, 'Device authorization required', {
            auth_type: 'device_code',
            provider: remedy.provider,
            user_code: remedy.user_code,
            verification_uri: remedy.verification_uri,
            ...(remedy.verification_uri_complete !== undefined
              ? { verification_uri_complete: remedy.verification_uri_complete }
              : {}),
            expires_in: remedy.expires_in,
            interval: remedy.interval,
            instructions: remedy.instructions,
          });
  }
}
