import type { SealBinding } from '@app/crypto';

/**
 * Where each sealed column's binding is defined, once: the writer, the reader and the rotation
 * job must agree exactly, or nothing opens.
 */
export function providerSecretBinding(providerName: string): SealBinding {
  return { owner: `provider:${providerName}`, provider: providerName, field: 'client_secret' };
}

export function serviceAccountSecretBinding(accountName: string, type: string): SealBinding {
  return { owner: `service_account:${accountName}`, provider: type, field: 'secret' };
}
