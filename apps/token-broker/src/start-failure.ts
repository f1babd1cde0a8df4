import type { Logger } from 'pino';
import { VaultError } from '@app/crypto';

export type StartFailureCode = 'vault_keys_do_not_open_stored_data' | 'start_failed';

export interface StartFailure {
  code: StartFailureCode;
  message: string;
  /** What the operator should do; absent when we cannot know. */
  fix?: string;
  /** sysexits: 78 (EX_CONFIG) for a configuration the data does not match, 1 otherwise. */
  exitCode: number;
}

const VAULT_MISMATCH: Omit<StartFailure, 'exitCode'> = {
  code: 'vault_keys_do_not_open_stored_data',
  message:
    'VAULT_KEYS do not open the data stored in the database: it was sealed with other vault keys',
  fix:
    'start with the VAULT_KEYS that sealed it (to change keys, put the new key first and keep the ' +
    'old one in the ring: VAULT_KEYS=<new>,<old>). With docker compose the generated keys live in ' +
    'the secrets volume and are never replaced: remove a VAULT_KEYS / VAULT_KEYS_FILE override ' +
    'from .env. Only if the stored data may be lost: start with an empty database ' +
    '(docker compose down -v removes every volume, the secrets included).',
};

/**
 * Why the broker could not start. The signing keys are opened at start, so vault keys that do not
 * open the stored data show here first (as a key id the ring lacks, or a key that fails
 * authentication): a restart cannot fix that, the operator must.
 */
export function describeStartFailure(error: unknown): StartFailure {
  if (
    error instanceof VaultError &&
    (error.code === 'decrypt_failed' || error.code === 'unknown_key')
  ) {
    return { ...VAULT_MISMATCH, exitCode: 78 };
  }
  return { code: 'start_failed', message: 'token-broker failed to start', exitCode: 1 };
}

/** Logs the failure as one JSON line (the cause's message never carries key material) and exits. */
export function exitOnStartFailure(
  error: unknown,
  logger: Logger,
  exit: (code: number) => void = (code) => process.exit(code),
): void {
  const { message, exitCode, ...failure } = describeStartFailure(error);
  logger.fatal({ ...failure, cause: (error as Error).message }, message);
  logger.flush();
  exit(exitCode);
}
