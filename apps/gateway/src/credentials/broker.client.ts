import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Pool } from 'undici';
import { APP_CONFIG, type GatewayConfig } from '@app/config';
import {
  type ApiKeyVerification,
  apiKeyVerificationSchema,
  type CredentialAnswer,
  credentialAnswerSchema,
  type Principal as ContractPrincipal,
  type RefreshConnectionRequest,
  type VerifyApiKeyRequest,
} from '@app/gateway-contract';
import type { AuthMethod } from '@app/policy-engine';
import { GatewayError } from '../http/gateway-error';

const TIMEOUT_MS = 10_000;

/**
 * The broker's internal API (its own listener, INTERNAL_API_TOKEN), over one keep-alive pool.
 * Requests and answers are the contract's schemas; an answer that does not parse, a timeout or a
 * refused connection is `broker_unavailable` (the caller fails closed).
 */
@Injectable()
export class BrokerClient implements OnModuleDestroy {
  private readonly pool: Pool;
  private readonly authorization: string;

  constructor(@Inject(APP_CONFIG) config: GatewayConfig) {
    this.pool = new Pool(new URL(config.BROKER_INTERNAL_URL).origin, {
      connections: 32,
      connect: { timeout: 5000 },
      headersTimeout: TIMEOUT_MS,
      bodyTimeout: TIMEOUT_MS,
    });
    this.authorization = `Bearer ${config.INTERNAL_API_TOKEN}`;
  }

  async resolveCredential(
    principal: ContractPrincipal,
    method: AuthMethod,
  ): Promise<CredentialAnswer> {
    return credentialAnswerSchema.parse(
      await this.post('/internal/v1/credentials/resolve', { principal, auth_method: method }),
    );
  }

  /**
   * The upstream refused the token of connection `id` at `generation`: the broker refreshes it
   * (single flight with the workers) and answers like a resolve. `reauthorize`: the refreshed
   * token was refused too, so the answer is the remedy.
   */
  async refreshConnection(
    principal: ContractPrincipal,
    method: AuthMethod,
    connection: { id: string; generation: number },
    reauthorize = false,
  ): Promise<CredentialAnswer> {
    const request: RefreshConnectionRequest = {
      principal,
      auth_method: method,
      generation: connection.generation,
      ...(reauthorize ? { reauthorize: true } : {}),
    };
    return credentialAnswerSchema.parse(
      await this.post(
        `/internal/v1/connections/${encodeURIComponent(connection.id)}/refresh`,
        request,
      ),
    );
  }

  async verifyApiKey(key: string): Promise<ApiKeyVerification> {
    const request: VerifyApiKeyRequest = { key };
    return apiKeyVerificationSchema.parse(await this.post('/internal/v1/api-keys/verify', request));
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool.close();
  }

  private async post(path: string, body: unknown): Promise<unknown> {
    try {
      const response = await this.pool.request({
        method: 'POST',
        path,
        headers: { authorization: this.authorization, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      const text = await response.body.text();
      if (response.statusCode !== 200) {
        throw new Error(`broker answered ${response.statusCode} on ${path}`);
      }
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new GatewayError('broker_unavailable', 'the credential service is unavailable', {
        cause: error,
      });
    }
  }
}
