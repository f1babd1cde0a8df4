import type { SealBinding } from '@app/crypto';
import {
  connectionTokenBinding,
  oauthRecordBinding,
  providerSecretBinding,
  serviceAccountSecretBinding,
  signingKeySecretBinding,
} from './seal-bindings';

/** A Postgres column holding vault-sealed values, with what its binding needs. */
export interface SealedColumn {
  table: string;
  /** The primary key column (returned as `id`) and its SQL type, for the keyset order. */
  key: 'id' | 'kid';
  keyType: 'uuid' | 'text';
  column: string;
  /** Extra columns the binding needs. */
  select: string;
  binding: (row: Record<string, string>) => SealBinding;
}

/**
 * Every sealed column in Postgres (`vault.seal(` writers: seal-bindings.ts). Redis holds sealed
 * values too (device codes, PKCE verifiers, login states): they live minutes and are never
 * re-sealed; an old key stays in VAULT_KEYS until they have expired (README, key rotation).
 */
export const SEALED_COLUMNS: readonly SealedColumn[] = [
  {
    table: 'providers',
    key: 'id',
    keyType: 'uuid',
    column: 'client_secret_sealed',
    select: 'name',
    binding: (row) => providerSecretBinding(row.id),
  },
  {
    table: 'signing_keys',
    key: 'kid',
    keyType: 'text',
    column: 'private_jwk_sealed',
    select: 'kid',
    binding: (row) => signingKeySecretBinding(row.kid),
  },
  {
    table: 'connections',
    key: 'id',
    keyType: 'uuid',
    column: 'access_token_sealed',
    select: 'provider_id',
    binding: (row) => connectionTokenBinding(row.id, row.provider_id, 'access_token'),
  },
  {
    table: 'connections',
    key: 'id',
    keyType: 'uuid',
    column: 'refresh_token_sealed',
    select: 'provider_id',
    binding: (row) => connectionTokenBinding(row.id, row.provider_id, 'refresh_token'),
  },
  {
    table: 'service_accounts',
    key: 'id',
    keyType: 'uuid',
    column: 'secret_sealed',
    select: 'name, type',
    binding: (row) => serviceAccountSecretBinding(row.id, row.type),
  },
  {
    table: 'oauth_records',
    key: 'id',
    keyType: 'text',
    column: 'payload_sealed',
    select: 'model',
    binding: (row) => oauthRecordBinding(row.id),
  },
];
