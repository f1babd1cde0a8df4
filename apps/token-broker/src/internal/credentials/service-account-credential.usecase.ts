import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { Vault } from '@app/crypto';
import { LOGGER } from '@app/observability';
import { type ServiceAccountEntity, ServiceAccountRepository } from '@app/persistence';
import { OAuthClientError, TokenEndpointClient } from '@app/provider-flows';
import type { TrailCredential } from '@app/gateway-contract';
import { CredentialError } from './credential.error';
import { MachineTokenExchange } from './machine-token.exchange';

export interface InjectedCredential {
  headers: Record<string, string>;
  /** When the credential stops working; null for static secrets. */
  expiresAt: Date | null;
  /** Which credential this is, for the gateway's call trail (never the secret). */
  identity?: TrailCredential;
}

interface CacheEntry {
  version: number;
  pending: Promise<InjectedCredential>;
  /** Set once `pending` resolves, so freshness is decided without awaiting (no stampede). */
  value?: InjectedCredential;
  /** Reuse until this instant (a minute before expiry, or half the lifetime if shorter). */
  reuseUntil?: number;
  /** From this instant a call also starts the next token in the background (refresh ahead). */
  renewFrom?: number;
  /** The background renewal in flight, so there is only one. */
  renewing?: Promise<void>;
}

// Renew ahead this long before expiry (the workers' REFRESH_THRESHOLD_S default), or at a quarter
// of the lifetime for short-lived tokens: well before `reuseUntil`, so calls never wait.
const RENEW_AHEAD_MS = 300_000;

const MAX_CACHED_ACCOUNTS = 1000;

/**
 * The header to inject for a service account: static secrets as they are, OAuth client
 * credentials (RFC 6749 §4.4) and Google service accounts (JWT bearer, RFC 7523) exchanged at the
 * token endpoint and kept in memory until shortly before expiry (never in Redis or logs).
 */
@Injectable()
export class ServiceAccountCredentialUseCase {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(
    private readonly accounts: ServiceAccountRepository,
    private readonly vault: Vault,
    tokens: TokenEndpointClient,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.machineTokens = new MachineTokenExchange(vault, tokens);
  }

  private readonly machineTokens: MachineTokenExchange;

  async execute(accountRef: string, now = Date.now()): Promise<InjectedCredential> {
    const account = await this.accounts.findByName(accountRef);
    if (!account) {
      throw new CredentialError(
        'unknown_account',
        `service account "${accountRef}" does not exist`,
      );
    }
    const credential = await this.credentialOf(account, now);
    return {
      ...credential,
      identity: { kind: 'service_account', id: account.id, generation: null },
    };
  }

  private async credentialOf(
    account: NonNullable<Awaited<ReturnType<ServiceAccountRepository['findByName']>>>,
    now: number,
  ): Promise<InjectedCredential> {
    // One entry per account, tagged with its row version: any edit (new secret, scopes)
    // invalidates at once. Decided synchronously, so concurrent callers share one request.
    const cached = this.cache.get(account.id);
    if (cached && cached.version === account.rowVersion) {
      if (cached.value === undefined) {
        return cached.pending;
      }
      if (cached.reuseUntil === undefined || cached.reuseUntil > now) {
        if (cached.renewFrom !== undefined && cached.renewFrom <= now) {
          this.renewAhead(account, cached, now);
        }
        return cached.value;
      }
    }
    return this.refresh(account, now);
  }

  private refresh(account: ServiceAccountEntity, now: number): Promise<InjectedCredential> {
    if (this.cache.size >= MAX_CACHED_ACCOUNTS && !this.cache.has(account.id)) {
      this.cache.delete(this.cache.keys().next().value as string);
    }
    const entry: CacheEntry = { version: account.rowVersion, pending: this.obtain(account, now) };
    this.cache.set(account.id, entry);
    entry.pending.then(
      (value) => {
        entry.value = value;
        Object.assign(entry, reuseWindow(value, now));
      },
      () => {
        if (this.cache.get(account.id) === entry) {
          this.cache.delete(account.id);
        }
      },
    );
    return entry.pending;
  }

  /**
   * Issue 10 §1 for service accounts: a token near its end is renewed in the background while the
   * current one is still handed out, so no tool call waits on the token endpoint. Machine tokens
   * live only in this process's memory (never in Redis or Postgres), so the renewal is driven by
   * use here rather than by a worker job: an account nobody calls is not renewed. A failed
   * renewal is logged and tried again by the next call; at `reuseUntil` a call waits as before.
   */
  private renewAhead(account: ServiceAccountEntity, entry: CacheEntry, now: number): void {
    if (entry.renewing !== undefined) {
      return;
    }
    entry.renewing = this.obtain(account, now).then(
      (value) => {
        if (this.cache.get(account.id) !== entry) {
          return;
        }
        this.cache.set(account.id, {
          version: entry.version,
          pending: Promise.resolve(value),
          value,
          ...reuseWindow(value, now),
        });
      },
      (error: unknown) => {
        entry.renewing = undefined;
        this.logger.warn(
          { err: { message: (error as Error).message }, service_account_id: account.id },
          'service account token renewal failed; the current token is kept until near expiry',
        );
      },
    );
  }

  private async obtain(account: ServiceAccountEntity, now: number): Promise<InjectedCredential> {
    try {
      return await this.machineTokens.obtain(account, now);
    } catch (error) {
      if (error instanceof CredentialError) {
        throw error;
      }
      if (error instanceof OAuthClientError) {
        throw new CredentialError('token_endpoint_failed', `token endpoint: ${error.message}`, {
          cause: error,
        });
      }
      // A secret that will not open (key removed, row tampered) or a key jose refuses: the
      // operator has to fix the account; the detail goes to the log, never to the caller.
      this.logger.error(
        { err: error, service_account_id: account.id },
        'service account credential unusable',
      );
      throw new CredentialError(
        'credential_unusable',
        `service account "${account.name}" cannot be used; see the broker log`,
        {
          cause: error,
        },
      );
    }
  }
}

/** How long a machine token is handed out, and from when it is renewed ahead (none: no expiry). */
function reuseWindow(
  value: InjectedCredential,
  now: number,
): Pick<CacheEntry, 'reuseUntil' | 'renewFrom'> {
  if (value.expiresAt === null) {
    return {};
  }
  const expiresAt = value.expiresAt.getTime();
  const lifetime = expiresAt - now;
  return {
    reuseUntil: expiresAt - Math.min(60_000, lifetime / 2),
    renewFrom: expiresAt - Math.min(RENEW_AHEAD_MS, lifetime * 0.75),
  };
}
