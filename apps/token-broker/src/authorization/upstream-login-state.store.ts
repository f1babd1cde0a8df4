import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { sha256Hex, Vault } from '@app/crypto';
import { REDIS, REDIS_OPTIONS, type RedisModuleOptions, SingleUseStore } from '@app/redis';
import { loginStateBinding } from '@app/vault';

/** Upstream `state` lives at most this long and is deleted on first use (SPEC-MUST 27). */
export const LOGIN_STATE_TTL_SECONDS = 600;

/** An upstream login in flight: for an MCP client's sign-in (interaction) or for our own pages. */
export type PendingLogin = { codeVerifier: string; nonce: string; maxAge?: number } & (
  | {
      kind: 'interaction';
      uid: string;
      clientId: string;
      /** The user answered the consent page in this sign-in (not just a consent cookie). */
      consented: boolean;
    }
  | {
      kind: 'session';
      returnTo: string;
      /** SHA-256 of the value of the login-binding cookie set on the browser that started it. */
      binding: string;
    }
);

/**
 * Pending upstream logins, by their random `state`: in Redis under a hash of the state, sealed
 * (they hold the PKCE verifier and nonce), for at most ten minutes, taken once.
 */
@Injectable()
export class UpstreamLoginStateStore {
  private readonly store: SingleUseStore<PendingLogin>;

  constructor(
    @Inject(REDIS) redis: Redis,
    @Inject(REDIS_OPTIONS) options: RedisModuleOptions,
    vault: Vault,
  ) {
    this.store = new SingleUseStore(redis, {
      keyPrefix: `${options.keyPrefix}as-login:`,
      ttlSeconds: LOGIN_STATE_TTL_SECONDS,
      hashIds: true,
      codec: {
        encode: (pending, state) =>
          vault.seal(JSON.stringify(pending), loginStateBinding(sha256Hex(state))),
        decode: (raw, state) =>
          vault.openJson<PendingLogin>(raw, loginStateBinding(sha256Hex(state))),
      },
    });
  }

  save(state: string, pending: PendingLogin): Promise<void> {
    return this.store.put(state, pending);
  }

  /** Reads without using it up (to check it belongs to this browser before taking it). */
  async peek(state: string): Promise<PendingLogin | null> {
    return state.length > 256 ? null : this.store.peek(state);
  }

  /** Single use: only the caller that removes the state goes on. */
  async take(state: string): Promise<PendingLogin | null> {
    return state.length > 256 ? null : this.store.take(state);
  }
}
