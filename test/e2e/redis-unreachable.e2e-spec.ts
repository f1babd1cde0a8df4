import { Writable } from 'node:stream';
import { createLogger } from '@app/observability';
import type { AdminApiHarness } from '../support/admin-api.harness';
import { freePort, startAuthorizationServer } from '../support/authorization-server.harness';
import { BrowserAgent, readForm } from '../support/browser-agent';
import { authorizeUrl, pkcePair, registerClient } from '../support/oauth-flow';

// Issue 7 section 0: the broker with its Redis URL pointing at a closed port. Every Redis client
// logs its errors as JSON (never ioredis' own stderr stack traces, never the URL's password), and
// the pages that need Redis answer 503 with a Retry-After hint instead of a 500.

const PASSWORD = 'redis-password-not-for-logs';
const CALLBACK = 'http://127.0.0.1:9999/callback';
const logLines: string[] = [];
const consoleErrors: string[] = [];
let broker: AdminApiHarness & { issuer: string };
let consoleSpy: jest.SpyInstance;

beforeAll(async () => {
  consoleSpy = jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    consoleErrors.push(args.map(String).join(' '));
  });
  const capture = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const closed = await freePort();
  broker = await startAuthorizationServer(
    { REDIS_URL: `redis://:${PASSWORD}@127.0.0.1:${closed}` },
    createLogger('token-broker', 'info', capture),
  );
}, 60_000);

afterAll(async () => {
  await broker?.close();
  consoleSpy.mockRestore();
}, 60_000);

describe('Redis unreachable', () => {
  it('the consent POST answers 503 with Retry-After (not a 500 page)', async () => {
    const registered = await registerClient(broker.issuer, {
      redirect_uris: [CALLBACK],
      token_endpoint_auth_method: 'none',
      application_type: 'native',
    });
    expect(registered.status).toBe(201);
    const agent = new BrowserAgent();
    const url = authorizeUrl(broker.issuer, {
      clientId: registered.json.client_id,
      redirectUri: CALLBACK,
      challenge: pkcePair().challenge,
    });
    const page = await agent.follow(await agent.get(url), url);
    expect(page.response.status).toBe(200);
    const form = readForm(await page.response.text());
    const posted = await agent.postForm(
      new URL(form.action, page.url).href,
      { ...form.fields, decision: 'allow' },
      { origin: new URL(broker.issuer).origin },
    );
    expect(posted.status).toBe(503);
    expect(posted.headers.get('retry-after')).toBe('5');
    expect(posted.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(posted.headers.get('location')).toBeNull();
    expect(await posted.text()).toContain('Temporarily unavailable');
  });

  it('every Redis client logs its errors as JSON lines through the logger, without the password', () => {
    expect(consoleErrors.filter((line) => line.includes('[ioredis]'))).toEqual([]);
    for (const line of logLines) {
      expect(() => JSON.parse(line)).not.toThrow();
      expect(line).not.toContain(PASSWORD);
    }
    const redisErrors = logLines
      .map((line) => JSON.parse(line) as { msg?: string; redis_client?: string })
      .filter((entry) => entry.msg === 'redis unavailable');
    expect(redisErrors.length).toBeGreaterThan(0);
    expect(new Set(redisErrors.map((entry) => entry.redis_client))).toContain('token-broker');
  });
});
