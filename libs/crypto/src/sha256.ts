import { createHash } from 'node:crypto';

/**
 * Lower-case hex SHA-256 of a UTF-8 string: how bearer secrets (codes, states, session ids) are
 * turned into storage keys, so a read of the store never yields a usable secret.
 */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}
