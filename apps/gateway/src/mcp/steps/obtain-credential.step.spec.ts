import type Redis from 'ioredis';
import pino from 'pino';
import type { CredentialAnswer } from '@app/gateway-contract';
import { MetricsService } from '@app/observability';
import type { BrokerClient } from '../../credentials/broker.client';
import { CredentialCache } from '../../credentials/credential.cache';
import { GatewayError } from '../../http/gateway-error';
import { GatewayMetrics } from '../../metrics/gateway-metrics';
import type { McpExchange } from '../mcp-exchange';
import type { AuthWait } from '../../completion/auth-wait';
import { ObtainCredentialStep } from './obtain-credential.step';

const REMEDY: CredentialAnswer = {
  outcome: 'auth_required',
  remedy: {
    auth_type: 'oauth',
    provider: 'github',
    authorization_url: 'http://127.0.0.1:8081/connect/start/x',
    state: 's1',
    expires_in: 600,
    instructions: 'Visit the URL',
  },
};

function exchangeFor(method: string): McpExchange {
  return {
    message: {
      kind: 'request',
      id: 1,
      method,
      params: method === 'tools/call' ? { name: 'create_issue' } : {},
    },
    principal: {
      key: 'k',
      subject: 'alice',
      kind: 'bearer',
      scopes: new Set(),
      audiences: [],
      expiresAt: undefined,
    },
    resolution: {
      tool: 'github.create_issue',
      auth_method: { type: 'oauth', provider: 'github', scopes: [] },
    },
    upstream: { credentialInjection: { type: 'authorization' } },
    injected: {},
  } as unknown as McpExchange;
}

describe('ObtainCredentialStep: remedies are asked for once per governed call, not per list', () => {
  const redis = { duplicate: () => ({ on: () => undefined }) } as unknown as Redis;
  let cache: CredentialCache;
  let asked: number;
  let step: ObtainCredentialStep;

  beforeEach(() => {
    cache = new CredentialCache(
      redis,
      { url: 'redis://x', keyPrefix: 't:' },
      pino({ level: 'silent' }),
    );
    asked = 0;
    const broker = {
      resolveCredential: () => {
        asked += 1;
        return Promise.resolve(REMEDY);
      },
    } as unknown as BrokerClient;
    // Legacy exchanges without a url-elicitation session: nothing is recorded, nothing waits.
    const waits = {
      begin: () => undefined,
      remember: () => Promise.resolve(),
    } as unknown as AuthWait;
    step = new ObtainCredentialStep(
      broker,
      cache,
      new GatewayMetrics(new MetricsService('test')),
      waits,
    );
  });

  it('an ungoverned method (tools/list) without a connection goes on without a credential and asks the broker once in 30 s', async () => {
    for (let i = 0; i < 3; i++) {
      const exchange = exchangeFor('tools/list');
      await step.run(exchange);
      expect(exchange.injected).toEqual({});
    }
    expect(asked).toBe(1);
  });

  it('a governed call after a list still gets the remedy (it never reads the list entry)', async () => {
    await step.run(exchangeFor('tools/list'));
    await expect(step.run(exchangeFor('tools/call'))).rejects.toMatchObject({
      code: 'auth_required',
    } satisfies Partial<GatewayError>);
    await expect(step.run(exchangeFor('tools/call'))).rejects.toBeInstanceOf(GatewayError);
    expect(asked).toBe(3);
  });
});
