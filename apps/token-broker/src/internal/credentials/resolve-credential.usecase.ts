import { Injectable } from '@nestjs/common';
import { type CredentialAnswer, type Principal, remedyInstructions } from '@app/gateway-contract';
import type { AuthMethod, ConnectionAuthMethod } from '@app/policy-engine';
import {
  type ConnectionAnswer,
  ConnectionCredentialUseCase,
  type RefreshOf,
} from './connection-credential.usecase';
import { CredentialError } from './credential.error';
import { ServiceAccountCredentialUseCase } from './service-account-credential.usecase';

/**
 * What the gateway must do for one tool call, given the winning policy's auth method and the
 * caller (DESIGN "Meaning of each method"). What cannot be obtained now answers `unavailable`,
 * never a guess.
 */
@Injectable()
export class ResolveCredentialUseCase {
  constructor(
    private readonly serviceAccounts: ServiceAccountCredentialUseCase,
    private readonly connections: ConnectionCredentialUseCase,
  ) {}

  async execute(principal: Principal, method: AuthMethod): Promise<CredentialAnswer> {
    switch (method.type) {
      case 'none':
        return { outcome: 'none' };
      case 'deny':
        return { outcome: 'denied', reason: 'policy denies this tool' };
      case 'api_key': {
        const key = principal.api_key;
        const granted =
          key !== undefined &&
          (key.name === method.key_ref || key.permissions.includes(method.key_ref));
        return granted
          ? { outcome: 'none' }
          : { outcome: 'denied', reason: `requires API key "${method.key_ref}"` };
      }
      case 'service_account': {
        try {
          const credential = await this.serviceAccounts.execute(method.account_ref);
          return {
            outcome: 'inject',
            headers: credential.headers,
            expires_at: credential.expiresAt ? credential.expiresAt.toISOString() : null,
            ...(credential.identity ? { credential: credential.identity } : {}),
          };
        } catch (error) {
          if (error instanceof CredentialError) {
            return { outcome: 'unavailable', reason: error.message };
          }
          throw error;
        }
      }
      case 'oauth':
      case 'device_code': {
        return connectionAnswer(await this.connections.execute(principal.subject, method));
      }
    }
  }

  /**
   * The gateway's forced refresh (issue 10 §2 reactive refresh): the upstream refused the token of
   * `refreshOf`; the answer is the new credential, or the remedy when it cannot be refreshed.
   */
  async refreshConnection(
    principal: Principal,
    method: ConnectionAuthMethod,
    refreshOf: RefreshOf,
  ): Promise<CredentialAnswer> {
    return connectionAnswer(
      await this.connections.execute(principal.subject, method, Date.now(), refreshOf),
    );
  }
}

function connectionAnswer(answer: ConnectionAnswer): CredentialAnswer {
  switch (answer.kind) {
    case 'credential':
      return {
        outcome: 'inject',
        headers: answer.credential.headers,
        expires_at: answer.credential.expiresAt ? answer.credential.expiresAt.toISOString() : null,
        ...(answer.credential.identity ? { credential: answer.credential.identity } : {}),
      };
    case 'auth_required':
      // The facts, plus the seed's text built from them (kept on the wire; see the contract).
      return {
        outcome: 'auth_required',
        remedy: { ...answer.remedy, instructions: remedyInstructions(answer.remedy) },
      };
    case 'unavailable':
      return { outcome: 'unavailable', reason: answer.reason };
  }
}
