import { Injectable } from '@nestjs/common';
import { sha256Hex } from '@app/crypto';
import { MAX_PRESENTED_API_KEY_LENGTH, MCP_SCOPES } from '@app/gateway-contract';
import { GatewayError } from '../http/gateway-error';
import { BrokerClient } from '../credentials/broker.client';
import { BoundedCache } from './bounded-cache';
import type { Principal } from './principal';

const VALID_TTL_MS = 30_000;
const INVALID_TTL_MS = 5_000;
const CACHE_MAX = 10_000;

/** An API key stands for its holder on every MCP operation; the admin scopes are never granted. */
const KEY_SCOPES: ReadonlySet<string> = new Set(
  Object.keys(MCP_SCOPES).filter((scope) => !scope.startsWith('mcp:admin:')),
);

/**
 * `Authorization: ApiKey <key>` / `X-API-Key`: the broker checks the key (it holds the pepper; we
 * never see the stored hash); answers are cached by the key's SHA-256 for 30 s (5 s for a
 * rejection), so a revoked key stops working within 30 s and a flood of bad keys stays off the broker.
 */
@Injectable()
export class ApiKeyVerifier {
  private readonly cache = new BoundedCache<Principal | null>(CACHE_MAX);

  constructor(private readonly broker: BrokerClient) {}

  async verify(key: string): Promise<Principal> {
    if (key.length > MAX_PRESENTED_API_KEY_LENGTH) {
      throw new GatewayError('invalid_token', 'the API key is not valid');
    }
    const cacheKey = sha256Hex(key);
    let principal = this.cache.get(cacheKey);
    if (principal === undefined) {
      const answer = await this.broker.verifyApiKey(key);
      const now = Date.now();
      if (answer.valid) {
        const expiresAt = answer.expires_at === null ? undefined : Date.parse(answer.expires_at);
        principal = {
          key: answer.subject,
          subject: answer.subject,
          kind: 'api_key',
          scopes: KEY_SCOPES,
          audiences: ['*'],
          apiKey: { name: answer.key_name, permissions: answer.permissions },
          expiresAt,
        };
        this.cache.set(cacheKey, principal, Math.min(now + VALID_TTL_MS, expiresAt ?? Infinity));
      } else {
        principal = null;
        this.cache.set(cacheKey, null, now + INVALID_TTL_MS);
      }
    }
    if (principal === null) {
      throw new GatewayError('invalid_token', 'the API key is not valid');
    }
    return principal;
  }
}
