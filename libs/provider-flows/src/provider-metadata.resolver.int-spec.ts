import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { ProviderMetadataResolver } from './provider-metadata.resolver';

const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};
const close = (server: Server) => new Promise((resolve) => server.close(resolve));

describe('provider metadata discovery (OIDC Discovery §4, RFC 8414 §3)', () => {
  it('reads the endpoints of a real OpenID provider and caches them', async () => {
    let handler: ReturnType<Provider['callback']> = () => undefined as never;
    const server = createServer((req, res) => void handler(req, res));
    const issuer = await listen(server);
    handler = new Provider(issuer, {
      features: { deviceFlow: { enabled: true }, devInteractions: { enabled: false } },
    }).callback();
    const resolver = new ProviderMetadataResolver();
    try {
      const endpoints = await resolver.endpoints(issuer);
      expect(endpoints).toMatchObject({
        issuer,
        token_endpoint: `${issuer}/token`,
        authorization_endpoint: `${issuer}/auth`,
        device_authorization_endpoint: `${issuer}/device/auth`,
      });
    } finally {
      await close(server);
    }
    // Cached: answered without the provider.
    await expect(resolver.endpoints(issuer)).resolves.toMatchObject({
      token_endpoint: `${issuer}/token`,
    });
  });

  it('refuses a metadata document for another issuer', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          issuer: 'https://attacker.example',
          token_endpoint: 'https://attacker.example/token',
        }),
      );
    });
    const issuer = await listen(server);
    try {
      await expect(new ProviderMetadataResolver().endpoints(issuer)).rejects.toMatchObject({
        code: 'bad_response',
        message: expect.stringContaining('issuer does not match'),
      });
    } finally {
      await close(server);
    }
  });

  it('refuses a document whose issuer is only equivalent, not identical (RFC 8414 §3.3)', async () => {
    let issuer = '';
    const server = createServer((_req, res) => {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ issuer: `${issuer}/`, token_endpoint: `${issuer}/token` }));
    });
    issuer = await listen(server);
    try {
      await expect(new ProviderMetadataResolver().endpoints(issuer)).rejects.toMatchObject({
        code: 'bad_response',
        message: expect.stringContaining('issuer does not match'),
      });
    } finally {
      await close(server);
    }
  });

  it('refuses an oversized document and does not follow redirects', async () => {
    const big = createServer((_req, res) => {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(`{"pad":"${'x'.repeat(300 * 1024)}"}`);
    });
    const redirecting = createServer((_req, res) => {
      res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' }).end();
    });
    const bigIssuer = await listen(big);
    const redirectIssuer = await listen(redirecting);
    try {
      await expect(new ProviderMetadataResolver().endpoints(bigIssuer)).rejects.toMatchObject({
        code: 'bad_response',
      });
      await expect(new ProviderMetadataResolver().endpoints(redirectIssuer)).rejects.toBeDefined();
    } finally {
      await close(big);
      await close(redirecting);
    }
  });
});
