import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UpstreamProber } from './upstream.prober';

/** Issue 10 §1 health checks: what a probe without a user credential counts as up or down. */
describe('UpstreamProber (HEAD, no credential)', () => {
  let server: Server;
  let url: string;
  let status = 200;
  let answer = true;
  const seen: string[] = [];
  const prober = new UpstreamProber();
  const probe = (target = url) =>
    prober.probe({ url: target, connectTimeoutMs: 100, requestTimeoutMs: 200 });

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(`${req.method} ${req.headers.authorization ?? 'no-credential'}`);
      if (answer) {
        res.writeHead(status).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  });

  afterAll(async () => {
    await prober.onModuleDestroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(() => {
    answer = true;
  });

  it.each([200, 400, 401, 404, 405])('an HTTP %i answer is up: a server is there', async (code) => {
    status = code;
    expect(await probe()).toBe('up');
  });

  it.each([500, 502, 503])('an HTTP %i answer is down: the server cannot serve', async (code) => {
    status = code;
    expect(await probe()).toBe('down');
  });

  it('sends HEAD without any credential', async () => {
    seen.length = 0;
    status = 405;
    await probe();
    expect(seen).toEqual(['HEAD no-credential']);
  });

  it('an upstream that never answers is down (the probe gives up)', async () => {
    answer = false;
    expect(await probe()).toBe('down');
  });

  it('a refused connection is down', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await probe(`http://127.0.0.1:${port}/mcp`)).toBe('down');
  });
});
