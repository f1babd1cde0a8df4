import type { SealBinding } from '@app/crypto';

/**
 * Where each sealed column's binding is defined, once: the writer, the reader and the rotation
 * job must agree exactly, or nothing opens. Bound to the owning row's id (never to its name), so
 * a ciphertext copied to another row, or left over from a deleted row, does not open, and renames
 * need no re-sealing.
 */
export function providerSecretBinding(providerId: string): SealBinding {
  return { owner: `provider:${providerId}`, provider: '', field: 'client_secret' };
}

export function serviceAccountSecretBinding(accountId: string, type: string): SealBinding {
  return { owner: `service_account:${accountId}`, provider: type, field: 'secret' };
}

export function signingKeySecretBinding(kid: string): SealBinding {
  return { owner: `signing_key:${kid}`, provider: '', field: 'private_jwk' };
}

export type ConnectionTokenField = 'access_token' | 'refresh_token';

export function connectionTokenBinding(
  connectionId: string,
  providerId: string,
  field: ConnectionTokenField,
): SealBinding {
  return { owner: `connection:${connectionId}`, provider: providerId, field };
}

/** The device code of a pending RFC 8628 authorization, kept in Redis until it completes. */
export function deviceCodeBinding(pendingId: string, providerId: string): SealBinding {
  return { owner: `device_authorization:${pendingId}`, provider: providerId, field: 'device_code' };
}

/** The PKCE verifier of a pending authorization-code flow, kept in Redis until the callback. */
export function pkceVerifierBinding(stateHash: string, providerId: string): SealBinding {
  return { owner: `code_authorization:${stateHash}`, provider: providerId, field: 'code_verifier' };
}

/** A record of the authorization server's engine, keyed `<model>:<sha256 of its id>`. */
export function oauthRecordBinding(recordKey: string): SealBinding {
  return { owner: `oauth_record:${recordKey}`, provider: '', field: 'payload' };
}

/** An upstream login in flight (PKCE verifier, nonce), kept in Redis until its callback. */
export function loginStateBinding(stateHash: string): SealBinding {
  return { owner: `login_state:${stateHash}`, provider: '', field: 'pending_login' };
}
