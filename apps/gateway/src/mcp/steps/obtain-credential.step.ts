import { Injectable } from '@nestjs/common';
import type { CredentialAnswer } from '@app/gateway-contract';
import type { AuthMethod } from '@app/policy-engine';
import { AuthWait } from '../../completion/auth-wait';
import { BrokerClient } from '../../credentials/broker.client';
import { CredentialCache } from '../../credentials/credential.cache';
import { injection } from '../../credentials/credential-injection';
import { GatewayError } from '../../http/gateway-error';
import { GatewayMetrics } from '../../metrics/gateway-metrics';
import type { McpExchange } from '../mcp-exchange';
import type { McpStep } from '../mcp-step';
import { isGoverned } from './resolve-policy.step';

const NONE: AuthMethod = { type: 'none' };

/**
 * SPEC-MUST 10 and DESIGN "Meaning of each method": the upstream gets a credential obtained for
 * this user by the broker (or none) — never the caller's. Answers are cached per principal and
 * auth method (credential.cache.ts). For a governed method a missing credential is the
 * auth-required answer, a refusal is an error; other methods go on without a credential.
 */
@Injectable()
export class ObtainCredentialStep implements McpStep {
  constructor(
    private readonly broker: BrokerClient,
    private readonly cache: CredentialCache,
    private readonly metrics: GatewayMetrics,
    private readonly waits: AuthWait,
  ) {}

  async run(exchange: McpExchange): Promise<void> {
    const method = exchange.resolution?.auth_method ?? NONE;
    if (method.type === 'none' || method.type === 'deny') {
      return;
    }
    const message = exchange.message;
    const governed = isGoverned(message?.kind === 'response' ? undefined : message?.method);
    // Issue 9 §2: a 2026-07-28 retry of an open elicitation waits for the user (auth-wait.ts),
    // then asks again (the completion listener dropped the user's cached answers first).
    const waiter = governed ? this.waits.begin(exchange) : undefined;
    let answer: CredentialAnswer;
    try {
      answer = await this.answer(exchange, method, governed);
      if (answer.outcome === 'auth_required' && waiter !== undefined && (await waiter.wait())) {
        answer = await this.answer(exchange, method, governed);
      }
    } finally {
      waiter?.cancel();
    }
    switch (answer.outcome) {
      case 'inject':
        exchange.injected = injection(exchange.upstream, answer.headers);
        exchange.trailCredential = answer.credential ?? null;
        return;
      case 'none':
        return;
      case 'denied':
        if (governed) {
          throw new GatewayError('policy_denied', `${exchange.resolution!.tool}: ${answer.reason}`);
        }
        return;
      case 'auth_required':
        if (governed) {
          await this.waits.remember(exchange, answer.remedy);
          throw new GatewayError('auth_required', 'authorization required', {
            remedy: answer.remedy,
          });
        }
        return;
      case 'unavailable':
        if (governed) {
          throw new GatewayError(
            'credential_unavailable',
            `the credential for ${exchange.resolution!.tool} is unavailable: ${answer.reason}`,
          );
        }
        return;
    }
  }

  /**
   * The broker's answer, through the cache. A method that is not governed (initialize, lists,
   * streams) only wants a credential if there is one: when the broker says the user must connect
   * first, that is remembered briefly under a key of its own, so listing does not mint a new remedy
   * per request — and a governed call never reads that entry (it must get the remedy).
   */
  private async answer(
    exchange: McpExchange,
    method: AuthMethod,
    governed: boolean,
  ): Promise<CredentialAnswer> {
    const principal = exchange.principal!;
    const key = this.cache.key(principal.subject, method);
    const cached =
      this.cache.get(key) ??
      (governed ? undefined : this.cache.get(this.cache.withoutCredentialKey(key)));
    this.metrics.credentialCache(cached !== undefined);
    if (cached !== undefined) {
      return cached;
    }
    const answer = await this.broker.resolveCredential(
      {
        subject: principal.subject,
        ...(principal.apiKey !== undefined ? { api_key: principal.apiKey } : {}),
      },
      method,
    );
    this.cache.remember(key, answer);
    if (!governed && answer.outcome === 'auth_required') {
      this.cache.rememberWithoutCredential(this.cache.withoutCredentialKey(key));
    }
    return answer;
  }
}
