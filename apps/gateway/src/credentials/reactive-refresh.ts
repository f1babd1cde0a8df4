import { Injectable } from '@nestjs/common';
import type { TrailCredential } from '@app/gateway-contract';
import type { AuthMethod } from '@app/policy-engine';
import type { UpstreamView } from '@app/upstream-cache';
import type { Principal } from '../auth/principal';
import { GatewayError } from '../http/gateway-error';
import { BrokerClient } from './broker.client';
import { CredentialCache } from './credential.cache';
import { injection } from './credential-injection';

/** The call whose injected connection token the upstream answered 401 to. */
export interface RefusedCall {
  principal: Principal;
  method: AuthMethod;
  upstream: UpstreamView;
  credential: TrailCredential;
  /** The token refused was already the refreshed one: only a new authorization can help. */
  reauthorize: boolean;
}

/**
 * Issue 10 §2 "reactive refresh": an upstream that answers 401 to a call carrying a connection's
 * token gets one retry with a token the broker refreshed for that generation (single flight with
 * the workers and every replica: a generation someone already refreshed is not refreshed again).
 * The cached answer holding the refused token is dropped first. A refresh that fails, or a
 * refreshed token refused too, is the auth-required answer — never the upstream's bare 401, which
 * a client would take for its own token being refused.
 */
@Injectable()
export class ReactiveRefresh {
  constructor(
    private readonly broker: BrokerClient,
    private readonly cache: CredentialCache,
  ) {}

  /** True when a 401 may be about the token we injected (a connection's, actually sent). */
  applies(
    status: number,
    credential: TrailCredential | null | undefined,
    injected: Record<string, string>,
  ): credential is TrailCredential {
    return (
      status === 401 &&
      credential?.kind === 'connection' &&
      credential.generation !== null &&
      Object.keys(injected).length > 0
    );
  }

  /** The headers to retry with, or the auth-required / unavailable refusal. */
  async retryWith(
    call: RefusedCall,
  ): Promise<{ injected: Record<string, string>; credential: TrailCredential | null }> {
    this.cache.forget(this.cache.key(call.principal.subject, call.method));
    const answer = await this.broker.refreshConnection(
      {
        subject: call.principal.subject,
        ...(call.principal.apiKey !== undefined ? { api_key: call.principal.apiKey } : {}),
      },
      call.method,
      { id: call.credential.id, generation: call.credential.generation ?? 0 },
      call.reauthorize,
    );
    switch (answer.outcome) {
      case 'inject':
        if (call.reauthorize) {
          // Never a third try: the broker answers the remedy to `reauthorize`.
          break;
        }
        // Not cached here: the next call resolves (and caches) the refreshed token as usual.
        return {
          injected: injection(call.upstream, answer.headers),
          credential: answer.credential ?? null,
        };
      case 'auth_required':
        throw new GatewayError('auth_required', 'authorization required', {
          remedy: answer.remedy,
        });
      case 'unavailable':
        throw new GatewayError(
          'credential_unavailable',
          `the upstream refused the credential and it cannot be refreshed now: ${answer.reason}`,
        );
      case 'none':
      case 'denied':
        break;
    }
    // `none` / `denied` for a connection (the policy changed under the call), or see above.
    throw new GatewayError('credential_unavailable', 'the upstream refused the credential');
  }
}
