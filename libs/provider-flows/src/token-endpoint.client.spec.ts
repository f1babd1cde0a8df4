import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TokenEndpointClient } from './token-endpoint.client';

interface Seen {
  path: string;
  authorization?: string;
  contentType?: string;
  form: Record<string, string>;
}

interface Answer {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

const json = (status: number, body: unknown): Answer => ({
  status,
  body: JSON.stringify(body),
  headers: { 'content-type': 'application/json' },
});

describe('TokenEndpointClient (oauth4webapi requests, provider quirks kept)', () => {
  let server: Server;
  let base: string;
  const seen: Seen[] = [];
  let next: Answer = json(500, {});

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      let raw = '';
      req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      req.on('end', () => {
        seen.push({
          path: req.url ?? '',
          authorization: req.headers.authorization,
          contentType: req.headers['content-type'],
          form: Object.fromEntries(new URLSearchParams(raw)),
        });
        res.writeHead(next.status, next.headers ?? {}).end(next.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    seen.length = 0;
  });

  const client = new TokenEndpointClient();
  const confidential = { id: 'app id', secret: 's3cret:+/' };

  describe('RFC 6749 §2.3.1 client authentication', () => {
    it('sends HTTP Basic with form-encoded credentials, and no secret in the form', async () => {
      next = json(200, { access_token: 'at-1', token_type: 'Bearer', expires_in: 60 });
      await client.request(
        `${base}/token`,
        { grant_type: 'client_credentials', scope: 'read' },
        confidential,
      );
      const [request] = seen;
      expect(request!.form).toEqual({ grant_type: 'client_credentials', scope: 'read' });
      expect(request!.contentType).toMatch(/^application\/x-www-form-urlencoded/);
      const decoded = Buffer.from(request!.authorization!.replace(/^Basic /, ''), 'base64');
      const [id, secret] = decoded.toString().split(':');
      expect(decodeURIComponent(id!.replace(/\+/g, ' '))).toBe('app id');
      expect(decodeURIComponent(secret!)).toBe('s3cret:+/');
    });

    it('sends client_id in the form for a public client', async () => {
      next = json(200, { access_token: 'at-2', token_type: 'bearer' });
      await client.request(
        `${base}/token`,
        { grant_type: 'refresh_token', refresh_token: 'r' },
        {
          id: 'public-app',
        },
      );
      expect(seen[0]!.authorization).toBeUndefined();
      expect(seen[0]!.form).toEqual({
        grant_type: 'refresh_token',
        refresh_token: 'r',
        client_id: 'public-app',
      });
    });

    it('sends no client identity for a jwt-bearer grant (the assertion authenticates)', async () => {
      next = json(200, { access_token: 'at-3', token_type: 'Bearer' });
      await client.request(`${base}/token`, {
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        assertion: 'a.b.c',
      });
      expect(seen[0]!.authorization).toBeUndefined();
      expect(seen[0]!.form).toEqual({
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        assertion: 'a.b.c',
      });
    });
  });

  describe('GitHub quirks', () => {
    it('an OAuth error answered with HTTP 200 is that OAuth error', async () => {
      next = json(200, { error: 'authorization_pending', error_description: 'wait' });
      await expect(
        client.request(`${base}/token`, { grant_type: 'device_code' }, confidential),
      ).rejects.toMatchObject({ code: 'oauth_error', oauthError: 'authorization_pending' });
    });

    it('keeps comma-separated scopes and a token without expiry as sent', async () => {
      next = json(200, { access_token: 'gho_x', token_type: 'bearer', scope: 'repo,gist' });
      await expect(
        client.request(`${base}/token`, { grant_type: 'authorization_code' }, confidential),
      ).resolves.toEqual({
        access_token: 'gho_x',
        token_type: 'bearer',
        expires_in: undefined,
        refresh_token: undefined,
        scope: 'repo,gist',
      });
    });
  });

  describe('answers that are not a token', () => {
    const cases: [string, Answer, string, string | undefined][] = [
      ['a 400 OAuth error', json(400, { error: 'invalid_grant' }), 'oauth_error', 'invalid_grant'],
      [
        'a 503 OAuth error',
        json(503, { error: 'temporarily_unavailable' }),
        'oauth_error',
        'temporarily_unavailable',
      ],
      ['a 500 page', { status: 500, body: '<html>oops</html>' }, 'bad_response', undefined],
      [
        'a non-Bearer token',
        json(200, { access_token: 'x', token_type: 'DPoP' }),
        'bad_response',
        undefined,
      ],
      ['more than 64 KiB', json(200, { pad: 'x'.repeat(70 * 1024) }), 'bad_response', undefined],
    ];
    it.each(cases.map(([name, answer, code, oauthError]) => ({ name, answer, code, oauthError })))(
      '$name → $code',
      async ({ answer, code, oauthError }) => {
        next = answer;
        const failure = await client
          .request(`${base}/token`, { grant_type: 'client_credentials' }, confidential)
          .catch((error: unknown) => error);
        expect(failure).toMatchObject({ name: 'OAuthClientError', code });
        expect((failure as { oauthError?: string }).oauthError).toBe(oauthError);
      },
    );

    it('does not follow a redirect', async () => {
      next = { status: 307, body: '', headers: { location: `${base}/elsewhere` } };
      await expect(
        client.request(`${base}/token`, { grant_type: 'client_credentials' }, confidential),
      ).rejects.toMatchObject({ code: 'unreachable' });
      expect(seen.map((s) => s.path)).toEqual(['/token']);
    });
  });

  describe('RFC 8628 §3.1 device authorization', () => {
    it("returns the provider's answer for the caller to read (Google's verification_url too)", async () => {
      next = json(200, {
        device_code: 'dc',
        user_code: 'ABCD',
        verification_url: 'https://www.google.com/device',
        expires_in: 1800,
      });
      await expect(
        client.deviceAuthorization(`${base}/device`, { scope: 'email' }, confidential),
      ).resolves.toMatchObject({ verification_url: 'https://www.google.com/device' });
      expect(seen[0]!.form).toMatchObject({ scope: 'email' });
      expect(seen[0]!.authorization).toMatch(/^Basic /);
    });
  });

  describe('RFC 7009 revocation', () => {
    it('accepts the usual empty 200 answer and sends the token with its hint', async () => {
      next = { status: 200, body: '' };
      await expect(
        client.revoke(`${base}/revoke`, 'rt-1', 'refresh_token', confidential),
      ).resolves.toBeUndefined();
      expect(seen[0]!.form).toEqual({ token: 'rt-1', token_type_hint: 'refresh_token' });
    });

    it('reports a refusal with its OAuth error code', async () => {
      next = json(400, { error: 'unsupported_token_type' });
      await expect(
        client.revoke(`${base}/revoke`, 'rt-1', 'refresh_token', confidential),
      ).rejects.toMatchObject({ code: 'oauth_error', oauthError: 'unsupported_token_type' });
    });
  });
});
