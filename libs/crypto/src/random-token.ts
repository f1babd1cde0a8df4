import { randomBytes } from 'node:crypto';

/** Below 128 bits a token could be guessed; above this it is a blob, not a token. */
const MIN_BYTES = 16;
const MAX_BYTES = 1024;

/**
 * A random, URL-safe token (unpadded base64url of `bytes` bytes from the CSPRNG): for state,
 * nonces, session handles and the like. 32 bytes give 43 characters.
 *
 * @throws RangeError unless `bytes` is an integer from 16 to 1024.
 */
export function randomToken(bytes = 32): string {
  if (!Number.isInteger(bytes) || bytes < MIN_BYTES || bytes > MAX_BYTES) {
    throw new RangeError(`randomToken needs an integer of ${MIN_BYTES} to ${MAX_BYTES} bytes`);
  }
  return randomBytes(bytes).toString('base64url');
}
