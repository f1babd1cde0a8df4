import { Inject, Injectable } from '@nestjs/common';
import { hashApiKey, parseApiKey, verifyApiKey } from '@app/crypto';
import { ApiKeyRepository } from '@app/persistence';
import { API_KEY_PEPPER } from '@app/vault';

/** A key that passed every check; each surface shapes its own answer from it. */
export interface ValidApiKey {
  valid: true;
  /** The key's row id (the admin API's id; the gateway principal is built from it). */
  id: string;
  name: string;
  permissions: string[];
  expiresAt: Date | null;
}

export type ApiKeyRejection = 'malformed' | 'unknown' | 'inactive' | 'expired';

// Compared against when the key id is unknown, so both paths do the same HMAC work.
const NO_SUCH_KEY_HASH = '0'.repeat(64);

/**
 * Checks a presented API key: format, row by key id, keyed hash (constant time), active, expiry.
 * Shared by the seed's public validation endpoint and the gateway's internal verification.
 */
@Injectable()
export class ValidateApiKeyUseCase {
  constructor(
    private readonly repository: ApiKeyRepository,
    @Inject(API_KEY_PEPPER) private readonly pepper: Buffer,
  ) {}

  async execute(presented: string, now = new Date()): Promise<ValidApiKey | ApiKeyRejection> {
    const parsed = parseApiKey(presented);
    if (!parsed) {
      hashApiKey(presented.slice(0, 256), this.pepper);
      return 'malformed';
    }
    const row = await this.repository.findByKeyId(parsed.keyId);
    const matches = verifyApiKey(presented, row?.keyHash ?? NO_SUCH_KEY_HASH, this.pepper);
    if (!row || !matches) {
      return 'unknown';
    }
    if (!row.active) {
      return 'inactive';
    }
    if (row.expiresAt !== null && row.expiresAt.getTime() <= now.getTime()) {
      return 'expired';
    }
    await this.repository.touch(row.id);
    return {
      valid: true,
      id: row.id,
      name: row.name,
      permissions: row.permissions,
      expiresAt: row.expiresAt,
    };
  }
}
