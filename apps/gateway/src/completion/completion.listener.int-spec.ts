import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import pino from 'pino';
import type { GatewayConfig } from '@app/config';
import type { Remedy } from '@app/gateway-contract';
import { CredentialChangePublisher } from '@app/redis';
import { CredentialCache } from '../credentials/credential.cache';
import type { McpExchange } from '../mcp/mcp-exchange';
import { routeSessionKey, SessionStreams } from '../sessions/session-streams';
import { AuthWait } from './auth-wait';
import { CompletionListener } from './completion.listener';
import { PendingElicitationStore } from './pending-elicitation.store';

const remedy = (state: string): Remedy => ({
  auth_type: 'oauth',
  provider: 'github',
  authorization_url: `http://127.0.0.1:8081/connect/start/${state}`,
  state,
  expires_in: 600,
});

function legacyExchange(subject: string, sessionId: string): McpExchange {
  return {
    generation: 'legacy',
    routeName: 'github',
    sessionId,
    session: { principal: subject, upstream: 'github', urlElicitation: true },
    principal: { subject, key: subject },
  } as unknown as McpExchange;
}

function modernRetry(subject: string, state: string, raw = new EventEmitter()): McpExchange {
  return {
    generation: 'modern',
    routeName: 'github',
    message: {
      kind: 'request',
      id: 1,
      method: 'tools/call',
      params: { name: 't', requestState: `mcpgw-auth:${state}` },
    },
    principal: { subject, key: subject },
    reply: { raw },
  } as unknown as McpExchange;
}

describe('connection completion (issue 9 §2, real Redis pub/sub)', () => {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const keyPrefix = `${process.env.REDIS_KEY_PREFIX ?? 'mcpgw-test:'}completion-${randomBytes(3).toString('hex')}:`;
  const options = { url: 'redis://x', keyPrefix };
  const logger = pino({ level: 'silent' });
  const config = { GATEWAY_AUTH_WAIT_MS: 5_000 } as GatewayConfig;
  const publisher = new CredentialChangePublisher(redis, keyPrefix);
  const cache = new CredentialCache(redis, options, logger);
  const streams = new SessionStreams();
  const pending = new PendingElicitationStore(redis, options);
  const listener = new CompletionListener(redis, options, logger, cache, streams, pending);
  const waits = new AuthWait(listener, pending, config, logger);

  beforeAll(async () => {
    await listener.onModuleInit();
  });

  afterAll(async () => {
    await listener.onModuleDestroy();
    await cache.onModuleDestroy();
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length > 0) {
      await redis.del(...keys);
    }
    await redis.quit();
  });

  it('a completion for alice writes notifications/elicitation/complete into alice’s GET stream and never into bob’s', async () => {
    await waits.remember(legacyExchange('alice', 'sess-a'), remedy('state-a'));
    await waits.remember(legacyExchange('bob', 'sess-b'), remedy('state-b'));
    const alice: unknown[] = [];
    const bob: unknown[] = [];
    streams.attach(routeSessionKey('github', 'sess-a'), (m) => alice.push(m));
    streams.attach(routeSessionKey('github', 'sess-b'), (m) => bob.push(m));
    const delivered = new Promise<void>((resolve) => {
      streams.attach(routeSessionKey('github', 'sess-a'), () => resolve());
    });
    // Bob's elicitation id completed by alice (a forged or confused announcement): not bob's.
    await publisher.connectionCompleted({
      subject: 'alice',
      provider: 'github',
      elicitation_id: 'state-b',
    });
    await publisher.connectionCompleted({
      subject: 'alice',
      provider: 'github',
      elicitation_id: 'state-a',
    });
    await delivered;
    expect(alice).toEqual([
      {
        jsonrpc: '2.0',
        method: 'notifications/elicitation/complete',
        params: { elicitationId: 'state-a' },
      },
    ]);
    expect(bob).toEqual([]);
  });

  it('a completion while no GET stream is open is delivered when one attaches', async () => {
    await waits.remember(legacyExchange('carol', 'sess-c'), remedy('state-c'));
    await listener.handle({ subject: 'carol', provider: 'github', elicitation_id: 'state-c' });
    const got: unknown[] = [];
    streams.attach(routeSessionKey('github', 'sess-c'), (m) => got.push(m));
    expect(got).toEqual([
      {
        jsonrpc: '2.0',
        method: 'notifications/elicitation/complete',
        params: { elicitationId: 'state-c' },
      },
    ]);
  });

  it('a 2026-07-28 retry waits until its own subject completes that elicitation', async () => {
    await waits.remember(
      { generation: 'modern', principal: { subject: 'dave' } } as unknown as McpExchange,
      remedy('state-d'),
    );
    const waiter = waits.begin(modernRetry('dave', 'state-d'))!;
    let settled: boolean | undefined;
    const waiting = waiter.wait().then((value) => (settled = value));
    // Eve completing the same id does not wake dave's retry.
    await listener.handle({ subject: 'eve', provider: 'github', elicitation_id: 'state-d' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).toBeUndefined();
    await publisher.connectionCompleted({
      subject: 'dave',
      provider: 'github',
      elicitation_id: 'state-d',
    });
    expect(await waiting).toBe(true);
  });

  it('the wait ends (false) when the client goes away', async () => {
    await waits.remember(
      { generation: 'modern', principal: { subject: 'frank' } } as unknown as McpExchange,
      remedy('state-f'),
    );
    const raw = new EventEmitter();
    const waiter = waits.begin(modernRetry('frank', 'state-f', raw))!;
    const waiting = waiter.wait();
    await new Promise((resolve) => setTimeout(resolve, 50));
    raw.emit('close');
    expect(await waiting).toBe(false);
  });

  it('a retry whose requestState is someone else’s (or unknown) does not wait', async () => {
    await waits.remember(
      { generation: 'modern', principal: { subject: 'gina' } } as unknown as McpExchange,
      remedy('state-g'),
    );
    expect(await waits.begin(modernRetry('mallory', 'state-g'))!.wait()).toBe(false);
    expect(await waits.begin(modernRetry('gina', 'no-such-state'))!.wait()).toBe(false);
  });

  it('the wait times out at GATEWAY_AUTH_WAIT_MS', async () => {
    const short = new AuthWait(
      listener,
      pending,
      { GATEWAY_AUTH_WAIT_MS: 100 } as GatewayConfig,
      logger,
    );
    await short.remember(
      { generation: 'modern', principal: { subject: 'hal' } } as unknown as McpExchange,
      remedy('state-h'),
    );
    expect(await short.begin(modernRetry('hal', 'state-h'))!.wait()).toBe(false);
  });
});
