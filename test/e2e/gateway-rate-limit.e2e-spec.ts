import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pino from 'pino';
import { MetricsService } from '@app/observability';
import { createGateway } from '../../apps/gateway/src/create-gateway';
import { startGateway, type GatewayHarness } from '../support/gateway.harness';
import { applyPolicies, mcpCall, modernRequest, registerUpstream } from '../support/mcp-wire';
import { parsePrometheus, sampleSum, scrape } from '../support/prometheus-text';
import { startTrustedIssuer, type TrustedIssuer } from '../support/trusted-issuer';

const WINDOW_S = 2;

describe('per-principal rate limits per upstream (issue 9 §5, RFC 6585 §4)', () => {
  let h: GatewayHarness;
  let idp: TrustedIssuer;
  let second: NestFastifyApplication;
  let secondUrl: string;

  beforeAll(async () => {
    idp = await startTrustedIssuer();
    h = await startGateway({
      gateway: {
        GATEWAY_TRUSTED_ISSUERS: JSON.stringify([{ issuer: idp.issuer, jwks_uri: idp.jwksUri }]),
        GATEWAY_RATE_LIMIT: JSON.stringify({
          default: { max: 1000, window_s: 60 },
          upstreams: { fixture: { max: 3, window_s: WINDOW_S } },
        }),
      },
    });
    await registerUpstream(h, { name: 'other', url: h.fixture.url });
    await applyPolicies(h, [
      { name: 'open', match_pattern: '*', priority: 10, auth_method: { type: 'none' } },
    ]);
    // A second gateway instance on the same configuration and Redis (another replica).
    second = await createGateway(h.config, pino({ level: 'silent' }), new MetricsService('second'));
    await second.listen(0, '127.0.0.1');
    secondUrl = await second.getUrl();
  });

  afterAll(async () => {
    await second?.close();
    await h?.close();
    await idp?.close();
  });

  /** A token for both routes of `sub` (the gateway's base URL is an accepted audience). */
  const tokenOf = (sub: string) =>
    idp.sign({ sub, aud: h.gatewayUrl, scope: 'mcp:tools:read mcp:tools:execute' });

  const echo = (base: string, upstream: string, token: string, id: number) => {
    const request = modernRequest(id, 'tools/call', { name: 'echo', arguments: { text: 'r' } });
    return mcpCall(`${base}/mcp/${upstream}`, {
      body: request.body,
      headers: { ...request.headers, authorization: `Bearer ${token}` },
    });
  };

  /** Waits for a fresh fixed window, so a test's requests all fall in one. */
  async function freshWindow(token: string): Promise<void> {
    const probe = await echo(h.gatewayUrl, 'fixture', token, 0);
    if (probe.status === 429) {
      await new Promise((r) => setTimeout(r, Number(probe.headers.get('retry-after')) * 1000));
    }
  }

  it('past its limit a principal gets 429, Retry-After in seconds and a JSON-RPC error with the request id (both generations); the upstream never sees it', async () => {
    const alice = await tokenOf('rl-alice');
    for (const id of [1, 2, 3]) {
      expect((await echo(h.gatewayUrl, 'fixture', alice, id)).status).toBe(200);
    }
    h.fixture.clear();
    const limited = await echo(h.gatewayUrl, 'fixture', alice, 4);
    expect(limited.status).toBe(429);
    const retryAfter = limited.headers.get('retry-after');
    expect(retryAfter).toMatch(/^\d+$/);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfter)).toBeLessThanOrEqual(WINDOW_S);
    expect(limited.json).toEqual({
      jsonrpc: '2.0',
      id: 4,
      error: {
        code: -32004,
        message: expect.stringMatching(/^Too many requests: at most 3 requests per 2 s to fixture/),
      },
    });
    // A 2025-era message (no _meta envelope): the same answer, with its id.
    const legacy = await mcpCall(`${h.gatewayUrl}/mcp/fixture`, {
      token: alice,
      body: { jsonrpc: '2.0', id: 'p-1', method: 'ping' },
    });
    expect(legacy.status).toBe(429);
    expect(legacy.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(legacy.json).toMatchObject({ id: 'p-1', error: { code: -32004 } });
    expect(h.fixture.received).toHaveLength(0);

    // Another upstream (the default, generous limit) and another principal are not affected.
    for (const id of [5, 6, 7, 8]) {
      expect((await echo(h.gatewayUrl, 'other', alice, id)).status).toBe(200);
    }
    const bob = await tokenOf('rl-bob');
    expect((await echo(h.gatewayUrl, 'fixture', bob, 9)).status).toBe(200);

    const samples = await scrape(h.metricsUrl);
    expect(sampleSum(samples, 'gateway_rate_limited_total', { upstream: 'fixture' })).toBe(2);
    expect(sampleSum(samples, 'gateway_rate_limited_total', { upstream: 'other' })).toBe(0);
    expect(samples.some((s) => Object.values(s.labels).some((v) => v.includes('rl-alice')))).toBe(
      false,
    );
  });

  it('the limit is shared by two gateway instances on the same Redis', async () => {
    const carol = await tokenOf('rl-carol');
    await freshWindow(carol);
    // The probe counted one; one more on each instance reaches 3.
    expect((await echo(h.gatewayUrl, 'fixture', carol, 1)).status).toBe(200);
    expect((await echo(secondUrl, 'fixture', carol, 2)).status).toBe(200);
    const limited = await echo(secondUrl, 'fixture', carol, 3);
    expect(limited.status).toBe(429);
    expect(limited.json).toMatchObject({ id: 3, error: { code: -32004 } });
    expect((await echo(h.gatewayUrl, 'fixture', carol, 4)).status).toBe(429);
  });

  it('a new window lets the principal through again', async () => {
    const dave = await tokenOf('rl-dave');
    await freshWindow(dave);
    for (const id of [1, 2]) {
      expect((await echo(h.gatewayUrl, 'fixture', dave, id)).status).toBe(200);
    }
    const limited = await echo(h.gatewayUrl, 'fixture', dave, 3);
    expect(limited.status).toBe(429);
    await new Promise((r) => setTimeout(r, Number(limited.headers.get('retry-after')) * 1000));
    expect((await echo(h.gatewayUrl, 'fixture', dave, 4)).status).toBe(200);
  });

  it('Redis unavailable: requests are let through (fail open) and counted', async () => {
    const metrics = new MetricsService('no-redis');
    const isolated = await createGateway(
      { ...h.config, REDIS_URL: 'redis://127.0.0.1:1' },
      pino({ level: 'silent' }),
      metrics,
    );
    await isolated.listen(0, '127.0.0.1');
    try {
      const erin = await tokenOf('rl-erin');
      const url = await isolated.getUrl();
      for (const id of [1, 2, 3, 4, 5]) {
        expect((await echo(url, 'fixture', erin, id)).status).toBe(200);
      }
      const samples = parsePrometheus(await metrics.registry.metrics());
      expect(sampleSum(samples, 'gateway_rate_limit_errors_total')).toBe(5);
    } finally {
      await isolated.close();
    }
  });
});
