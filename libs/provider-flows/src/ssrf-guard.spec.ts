import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  assertFetchable,
  createGuardedDispatcher,
  guardedRequest,
  isForbiddenAddress,
} from './ssrf-guard';

describe('SSRF guard for provider URLs (SPEC-MUST 32)', () => {
  it.each([
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '127.0.0.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '::1',
    '::',
    'fd00::1',
    'fe80::1',
    '::7f00:1',
    '2002:a9fe:a9fe::1',
    '::ffff:10.0.0.1',
    '::ffff:a00:1',
    'not-an-ip',
  ])('refuses %s', (address) => {
    expect(isForbiddenAddress(address)).toBe(true);
  });

  it.each(['8.8.8.8', '1.1.1.1', '2001:4860:4860::8888'])(
    'allows the public address %s',
    (address) => {
      expect(isForbiddenAddress(address)).toBe(false);
    },
  );

  // Literal addresses are judged without any network traffic.
  it('refuses a literal private or metadata address before connecting', async () => {
    for (const url of [
      'https://10.0.0.1/.well-known/openid-configuration',
      'https://169.254.169.254/latest',
      'https://[fd00::1]/x',
      'https://[::ffff:10.0.0.1]/x',
    ]) {
      await expect(assertFetchable(url)).rejects.toMatchObject({ code: 'bad_response' });
    }
  });

  it('refuses plain http except on a loopback name (local development)', async () => {
    await expect(assertFetchable('http://8.8.8.8/x')).rejects.toMatchObject({
      code: 'bad_response',
    });
    await expect(assertFetchable('http://127.0.0.1:9999/x')).resolves.toBeInstanceOf(URL);
  });
});

describe('SPEC-MUST 32: the address connected to is the address checked (no DNS rebinding)', () => {
  let server: Server;
  let port: number;
  let hits = 0;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      hits += 1;
      res.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  // A public-looking name whose DNS answer (at connect time) is loopback: what a rebinding does.
  const rebinding = createGuardedDispatcher((_hostname, _options, callback) =>
    callback(null, [{ address: '127.0.0.1', family: 4 }]),
  );

  it('refuses to connect when the name resolves to a forbidden address, sending nothing', async () => {
    const before = hits;
    const failure = await guardedRequest(
      `http://rebind.example.test:${port}/token`,
      { method: 'POST' },
      rebinding,
    ).catch((error: unknown) => error as Error & { code?: string });
    // Refused by the guard (not a DNS failure: the test resolver answers every name).
    expect((failure as Error & { code?: string }).code).toBe('EADDRNOTALLOWED');
    expect(String(failure)).toMatch(
      /rebind\.example\.test resolves to an address the broker may not call/,
    );
    expect(hits).toBe(before);
  });

  it('refuses a forbidden literal address before connecting', async () => {
    await expect(
      guardedRequest('https://169.254.169.254/latest', { method: 'GET' }),
    ).rejects.toThrow(/may not call/);
    await expect(
      guardedRequest('https://[::ffff:a9fe:a9fe]/latest', { method: 'GET' }),
    ).rejects.toThrow(/may not call/);
  });

  it('connects when the name resolves to public addresses only (the guard is not a wall)', async () => {
    const lookups: string[] = [];
    const recording = createGuardedDispatcher((hostname, _options, callback) => {
      lookups.push(hostname);
      callback(null, [{ address: '127.0.0.1', family: 4 }]);
    });
    // localhost is a loopback name: allowed, and the resolver is what was asked.
    const response = await guardedRequest(
      `http://localhost:${port}/`,
      { method: 'GET' },
      recording,
    );
    await response.body.dump();
    expect(response.statusCode).toBe(200);
    expect(lookups).toEqual(['localhost']);
  });

  it('lets a loopback name through (local development)', async () => {
    const response = await guardedRequest(`http://localhost:${port}/`, { method: 'GET' });
    await response.body.dump();
    expect(response.statusCode).toBe(200);
    const literal = await guardedRequest(`http://127.0.0.1:${port}/`, { method: 'GET' });
    await literal.body.dump();
    expect(literal.statusCode).toBe(200);
  });
});
