import { Inject, Injectable } from '@nestjs/common';
import { hashApiKey, parseApiKey, verifyApiKey } from '@app/crypto';
import { ApiKeyRepository } from '@app/persistence';
import { API_KEY_PEPPER } from '@app/vault';

export interface ApiKeyValidation {
  valid: true;
  key_name: string;
  permissions: string[];
  expires_at: string | null;
}

export type ApiKeyRejection = 'malformed' | 'unknown' | 'inactive' | 'expired';

// Compared against when the key id is unknown, so both paths do the same HMAC work.
const NO_SUCH_KEY_HASH = '0'.repeat(64);

/** Checks a presented API key: format, row by key id, keyed hash (constant time), active, expiry. */
@Injectable()
export class ValidateApiKeyUseCase {
  constructor(
    private readonly repository: ApiKeyRepository,
    @Inject(API_KEY_PEPPER) private readonly pepper: Buffer,
  ) {}

  async execute(presented: string, now = new Date()): Promise<ApiKeyValidation | ApiKeyRejection> {
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
      key_name: row.name,
      permissions: row.permissions,
      expires_at: row.expiresAt ? row.expiresAt.toISOString() : null,
    };
  }
}
