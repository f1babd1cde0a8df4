import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportPKCS8, exportSPKI, generateKeyPair, importSPKI, jwtVerify } from 'jose';
import Provider from 'oidc-provider';
import {
  ADMIN_TOKEN,
  INTERNAL_API_TOKEN,
  startAdminApi,
  type AdminApiHarness,
} from '../support/admin-api.harness';
import { call } from '../support/http';
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { Queue } from 'bullmq';
import { KeyRing, Vault } from '@app/crypto';
import Redis from 'ioredis';
import { credentialChannel, remedyInstructions, remedySchema } from '@app/gateway-contract';
import { QUEUES } from '@app/jobs';
import { buildDataSourceOptions, ConnectionRepository, ProviderRepository } from '@app/persistence';
import { within } from '@app/testing';
import { connectionTokenBinding } from '@app/vault';

const PAT = 'ghp_internalapitest0123456789';

/** A token endpoint for Google-style JWT bearer grants (RFC 7523) that checks the assertion. */
async function startJwtBearerEndpoint(
  publicKeyPem: string,
): Promise<{ server: Server; url: string; issued: string[] }> {
  const key = await importSPKI(publicKeyPem, 'RS256');
  const issued: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
      jwtVerify(form.get('assertion') ?? '', key, {
        audience: url,
        issuer: 'sa@project.iam.gserviceaccount.com',
      })
        .then(({ payload }) => {
          if (
            form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer' ||
            payload.scope !== 'https://www.googleapis.com/auth/spreadsheets'
          ) {
            throw new Error('bad grant');
          }
          const token = `ya29.issued-${issued.length + 1}`;
          issued.push(token);
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 3599 }));
        })
        .catch(() =>
          res
            .writeHead(400, { 'content-type': 'application/json' })
            .end('{"error":"invalid_grant"}'),
        );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`,
    issued,
  };
}

describe('internal credential API (gateway → broker)', () => {
  let h: AdminApiHarness;
  let idp: Server;
  let idpUrl: string;
  let google: Awaited<ReturnType<typeof startJwtBearerEndpoint>>;

  const resolve = (
    auth_method: unknown,
    principal: unknown = { subject: 'user-1' },
    token: string | null = INTERNAL_API_TOKEN,
  ) =>
    call(h.internalUrl, 'POST', '/internal/v1/credentials/resolve', {
      body: { principal, auth_method },
      token,
    });
  const admin = (method: string, path: string, body?: unknown) =>
    call(h.baseUrl, method, path, { body, token: ADMIN_TOKEN });

  beforeAll(async () => {
    h = await startAdminApi();
    // oidc-provider as a real OAuth server (client credentials, device flow, discovery); its
    // issuer is its own URL, so it has to listen before it is built.
    let handle: ReturnType<Provider['callback']> = () => undefined as never;
    idp = createServer((req, res) => void handle(req, res));
    await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
    idpUrl = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
    const provider = new Provider(idpUrl, {
      clients: [
        {
          client_id: 'device-app',
          grant_types: ['urn:ietf:params:oauth:grant-type:device_code'],
          response_types: [],
          redirect_uris: [],
          token_endpoint_auth_method: 'none',
        },
        {
          client_id: 'machine',
          client_secret: 'machine-secret-0123456789',
          grant_types: ['client_credentials'],
          redirect_uris: [],
          response_types: [],
        },
      ],
      features: {
        clientCredentials: { enabled: true },
        deviceFlow: { enabled: true },
        devInteractions: { enabled: false },
      },
      scopes: ['inventory:read'],
      ttl: { ClientCredentials: 600 },
      jwks: {
        keys: [
          {
            ...(await exportJWK(
              (await generateKeyPair('RS256', { extractable: true })).privateKey,
            )),
            kid: 'test-idp',
          },
        ],
      },
    });
    handle = provider.callback();
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    google = await startJwtBearerEndpoint(await exportSPKI(publicKey));

    await admin('POST', '/admin/v1/service-accounts', {
      name: 'deploy_pat',
      type: 'github_pat',
      token: PAT,
    });
    await admin('POST', '/admin/v1/service-accounts', {
      name: 'hdr',
      type: 'static_header',
      header_name: 'X-Api-Token',
      value: 'static-value-1',
    });
    await admin('POST', '/admin/v1/service-accounts', {
      name: 'machine',
      type: 'oauth2_client_credentials',
      token_endpoint: `${idpUrl}/token`,
      client_id: 'machine',
      client_secret: 'machine-secret-0123456789',
      scopes: ['inventory:read'],
    });
    await admin('POST', '/admin/v1/service-accounts', {
      name: 'sheets',
      type: 'google_service_account',
      client_email: 'sa@project.iam.gserviceaccount.com',
      private_key: await exportPKCS8(privateKey),
      token_uri: google.url,
      scopes: ['https://www.googleapis.com/auth/spreadsheets'],
    });
  });

  afterAll(async () => {
    await new Promise((resolve) => idp.close(resolve));
    await new Promise((resolve) => google.server.close(resolve));
    await h.close();
  });

  it('requires the internal token: none, or the admin token, is a 401', async () => {
    expect((await resolve({ type: 'none' }, undefined, null)).status).toBe(401);
    expect((await resolve({ type: 'none' }, undefined, ADMIN_TOKEN)).status).toBe(401);
  });

  it('answers none and deny as the policy says', async () => {
    expect((await resolve({ type: 'none' })).json).toEqual({ outcome: 'none' });
    expect((await resolve({ type: 'deny' })).json).toMatchObject({ outcome: 'denied' });
  });

  it('api_key: allowed only for the named key or a key granted it as a permission', async () => {
    const method = { type: 'api_key', key_ref: 'admin_key' };
    expect(
      (await resolve(method, { subject: 's', api_key: { name: 'admin_key', permissions: [] } }))
        .json.outcome,
    ).toBe('none');
    expect(
      (
        await resolve(method, {
          subject: 's',
          api_key: { name: 'other', permissions: ['admin_key'] },
        })
      ).json.outcome,
    ).toBe('none');
    expect(
      (await resolve(method, { subject: 's', api_key: { name: 'other', permissions: ['read'] } }))
        .json.outcome,
    ).toBe('denied');
    expect((await resolve(method, { subject: 's' })).json.outcome).toBe('denied');
  });

  it('service_account: injects a PAT as a bearer header, a static header as itself, with no-store', async () => {
    const pat = await resolve({ type: 'service_account', account_ref: 'deploy_pat' });
    expect(pat.status).toBe(200);
    expect(pat.headers.get('cache-control')).toBe('no-store');
    expect(pat.json).toEqual({
      outcome: 'inject',
      headers: { authorization: `Bearer ${PAT}` },
      expires_at: null,
      // Issue 9 §4: which credential, for the gateway's call trail; never the secret.
      credential: { kind: 'service_account', id: expect.any(String), generation: null },
    });
    expect(JSON.stringify(pat.json.credential)).not.toContain(PAT);
    expect((await resolve({ type: 'service_account', account_ref: 'hdr' })).json.headers).toEqual({
      'x-api-token': 'static-value-1',
    });
  });

  it('service_account oauth2_client_credentials: obtains a token from a real OAuth server and reuses it until near expiry', async () => {
    const first = await resolve({ type: 'service_account', account_ref: 'machine' });
    expect(first.json.outcome).toBe('inject');
    expect(first.json.headers.authorization).toMatch(/^Bearer .{20,}/);
    expect(new Date(first.json.expires_at).getTime()).toBeGreaterThan(Date.now());
    const second = await resolve({ type: 'service_account', account_ref: 'machine' });
    expect(second.json.headers.authorization).toBe(first.json.headers.authorization);
  });

  it('service_account google_service_account: signs an RS256 JWT bearer assertion (RFC 7523) the token endpoint accepts', async () => {
    const res = await resolve({ type: 'service_account', account_ref: 'sheets' });
    expect(res.json).toMatchObject({
      outcome: 'inject',
      headers: { authorization: 'Bearer ya29.issued-1' },
    });
    expect(google.issued).toEqual(['ya29.issued-1']);
  });

  it('an edited account takes effect at once (cache keyed by row version)', async () => {
    const list = await admin('GET', '/admin/v1/service-accounts');
    const hdr = list.json.items.find((a: { name: string }) => a.name === 'hdr');
    await admin('PATCH', `/admin/v1/service-accounts/${hdr.id}`, { value: 'static-value-2' });
    expect((await resolve({ type: 'service_account', account_ref: 'hdr' })).json.headers).toEqual({
      'x-api-token': 'static-value-2',
    });
  });

  it('answers unavailable for an unknown account, a failing token endpoint, and (for now) per-user connections', async () => {
    expect((await resolve({ type: 'service_account', account_ref: 'ghost' })).json.outcome).toBe(
      'unavailable',
    );
    await admin('POST', '/admin/v1/service-accounts', {
      name: 'broken',
      type: 'oauth2_client_credentials',
      token_endpoint: `${idpUrl}/token`,
      client_id: 'machine',
      client_secret: 'wrong-secret',
    });
    const broken = await resolve({ type: 'service_account', account_ref: 'broken' });
    expect(broken.json).toMatchObject({ outcome: 'unavailable' });
    expect(broken.text).not.toContain('wrong-secret');
    expect(
      (await resolve({ type: 'oauth', provider: 'github', scopes: ['repo'] })).json.outcome,
    ).toBe('unavailable');
  });

  it('a secret that no longer opens answers unavailable (logged), never a 5xx', async () => {
    await admin('POST', '/admin/v1/service-accounts', {
      name: 'tampered',
      type: 'static_bearer',
      token: 'abc',
    });
    const ds = await new DataSource(
      buildDataSourceOptions(h.database.url, { poolSize: 1 }),
    ).initialize();
    try {
      // Another row's ciphertext: bound to another id, so it must not open here.
      await ds.query(
        `UPDATE service_accounts SET secret_sealed = (SELECT secret_sealed FROM service_accounts WHERE name = 'deploy_pat') WHERE name = 'tampered'`,
      );
    } finally {
      await ds.destroy();
    }
    const res = await resolve({ type: 'service_account', account_ref: 'tampered' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ outcome: 'unavailable' });
    expect(res.text).not.toContain(PAT);
  });

  it('refuses a request with the wrong token before parsing its body', async () => {
    const res = await call(h.internalUrl, 'POST', '/internal/v1/credentials/resolve', {
      raw: '{"broken',
      token: ADMIN_TOKEN,
    });
    expect(res.status).toBe(401);
  });

  describe('per-user connections (device_code, oauth)', () => {
    beforeAll(async () => {
      const res = await admin('POST', '/admin/v1/providers', {
        name: 'idp',
        kind: 'oauth2',
        client_id: 'device-app',
        token_endpoint: `${idpUrl}/token`,
        device_authorization_endpoint: `${idpUrl}/device/auth`,
        oauth_enabled: false,
        device_code_enabled: true,
      });
      expect(res.status).toBe(201);
    });

    it('device_code without a connection: starts RFC 8628 at the provider and answers the seed remedy; the poll is queued', async () => {
      const res = await resolve(
        { type: 'device_code', provider: 'idp', scopes: ['openid'] },
        { subject: 'alice' },
      );
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({
        outcome: 'auth_required',
        remedy: {
          auth_type: 'device_code',
          provider: 'idp',
          verification_uri: `${idpUrl}/device`,
          expires_in: expect.any(Number),
          interval: expect.any(Number),
        },
      });
      expect(res.json.remedy.user_code).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
      expect(res.json.remedy.instructions).toContain(res.json.remedy.user_code);
      // The facts alone are the contract's remedy; the text is the one the gateway would build.
      const { instructions, ...facts } = res.json.remedy;
      expect(instructions).toBe(remedyInstructions(remedySchema.parse(facts)));
      expect(res.json.remedy).not.toHaveProperty('device_code');
      const queue = new Queue(QUEUES.credentials, {
        prefix: `${h.config.REDIS_KEY_PREFIX}bull`,
        connection: { host: '127.0.0.1', port: 6379 },
      });
      try {
        const polls = (await queue.getDelayed()).filter((j) => j.name === 'device-poll');
        expect(polls).toHaveLength(1);
        // Ids only: one job per pending authorization, named after it.
        expect(Object.keys(polls[0]!.data)).toEqual(['pendingId']);
        expect(polls[0]!.id).toBe(`device-poll_${polls[0]!.data.pendingId}`);
      } finally {
        await queue.obliterate({ force: true });
        await queue.close();
      }
    });

    it('an oidc provider gets its endpoints by discovery (SPEC-MUST 32) and starts the device flow', async () => {
      const created = await admin('POST', '/admin/v1/providers', {
        name: 'idp-oidc',
        kind: 'oidc',
        issuer: idpUrl,
        client_id: 'device-app',
        oauth_enabled: false,
        device_code_enabled: true,
      });
      expect(created.status).toBe(201);
      const res = await resolve(
        { type: 'device_code', provider: 'idp-oidc', scopes: ['openid'] },
        { subject: 'dora' },
      );
      expect(res.json).toMatchObject({
        outcome: 'auth_required',
        remedy: { verification_uri: `${idpUrl}/device` },
      });
    });

    it('with an active connection covering the scopes: injects its access token', async () => {
      const ds = await new DataSource(
        buildDataSourceOptions(h.database.url, { poolSize: 1 }),
      ).initialize();
      try {
        const provider = await new ProviderRepository(ds).findByName('idp');
        const vault = new Vault(KeyRing.parse(h.config.VAULT_KEYS));
        await new ConnectionRepository(ds).upsert('bob', provider!.id, {
          seal: (id) => ({
            accessTokenSealed: vault.seal(
              'user-access-token',
              connectionTokenBinding(id, provider!.id, 'access_token'),
            ),
            refreshTokenSealed: null,
          }),
          tokenType: 'Bearer',
          scopes: ['openid', 'repo'],
          expiresAt: new Date(Date.now() + 3600_000),
          issuedAt: new Date(),
          resource: null,
        });
      } finally {
        await ds.destroy();
      }
      const ok = await resolve(
        { type: 'device_code', provider: 'idp', scopes: ['repo'] },
        { subject: 'bob' },
      );
      expect(ok.json).toMatchObject({
        outcome: 'inject',
        headers: { authorization: 'Bearer user-access-token' },
      });
      // Another user never gets bob's token.
      const other = await resolve(
        { type: 'oauth', provider: 'idp', scopes: ['repo'] },
        { subject: 'mallory' },
      );
      expect(other.json.outcome).toBe('unavailable');
      expect(other.text).not.toContain('user-access-token');
      // Scopes the connection lacks mean a new authorization, not the narrower token.
      const wider = await resolve(
        { type: 'device_code', provider: 'idp', scopes: ['admin'] },
        { subject: 'bob' },
      );
      expect(wider.json.outcome).toBe('auth_required');
    });

    it('issue 10 §1 session recovery fallback: a needs_reauth connection is never injected, the answer is auth_required', async () => {
      const ds = await new DataSource(
        buildDataSourceOptions(h.database.url, { poolSize: 1 }),
      ).initialize();
      try {
        const provider = await new ProviderRepository(ds).findByName('idp');
        const vault = new Vault(KeyRing.parse(h.config.VAULT_KEYS));
        const connections = new ConnectionRepository(ds);
        const connection = await connections.upsert('nina', provider!.id, {
          seal: (id) => ({
            accessTokenSealed: vault.seal(
              'nina-access-token',
              connectionTokenBinding(id, provider!.id, 'access_token'),
            ),
            refreshTokenSealed: null,
          }),
          tokenType: 'Bearer',
          scopes: ['repo'],
          expiresAt: new Date(Date.now() + 3600_000),
          issuedAt: new Date(),
          resource: null,
        });
        await connections.setStatus(connection.id, 'nina', 'needs_reauth');
      } finally {
        await ds.destroy();
      }
      const answer = await resolve(
        { type: 'device_code', provider: 'idp', scopes: ['repo'] },
        { subject: 'nina' },
      );
      expect(answer.json.outcome).toBe('auth_required');
      expect(answer.text).not.toContain('nina-access-token');
    });

    it("lists and revokes only the user's own connections; a revoked one is never injected again, and the gateways are told", async () => {
      const subscriber = new Redis(h.config.REDIS_URL);
      const announced: string[] = [];
      subscriber.on('message', (_channel: string, message: string) => announced.push(message));
      await subscriber.subscribe(credentialChannel(h.config.REDIS_KEY_PREFIX));
      const internal = (method: string, path: string, token: string = INTERNAL_API_TOKEN) =>
        call(h.internalUrl, method, path, { token });
      expect(
        (await internal('GET', '/internal/v1/connections?subject=bob', ADMIN_TOKEN)).status,
      ).toBe(401);
      const listed = await internal('GET', '/internal/v1/connections?subject=bob');
      expect(listed.status).toBe(200);
      expect(listed.json.connections).toEqual([
        expect.objectContaining({ provider: 'idp', status: 'active', scopes: ['openid', 'repo'] }),
      ]);
      expect(listed.text).not.toContain('user-access-token');
      expect(
        (await internal('GET', '/internal/v1/connections?subject=mallory')).json.connections,
      ).toEqual([]);
      expect((await internal('GET', '/internal/v1/connections')).status).toBe(422);

      const id = listed.json.connections[0].id as string;
      expect(
        (await internal('DELETE', `/internal/v1/connections/${id}?subject=mallory`)).status,
      ).toBe(404);
      expect(
        (await internal('GET', '/internal/v1/connections?subject=bob')).json.connections[0].status,
      ).toBe('active');
      // Nothing revoked for mallory, so nothing announced.
      expect(announced).toEqual([]);
      expect((await internal('DELETE', `/internal/v1/connections/${id}?subject=bob`)).status).toBe(
        204,
      );
      // The subject only: no token, no connection id.
      await within(1000, () => announced.length > 0);
      expect(announced).toEqual(['{"subject":"bob"}']);
      await subscriber.quit();
      expect(
        (await internal('GET', '/internal/v1/connections?subject=bob')).json.connections[0].status,
      ).toBe('revoked');

      const after = await resolve(
        { type: 'device_code', provider: 'idp', scopes: ['repo'] },
        { subject: 'bob' },
      );
      expect(after.json.outcome).toBe('auth_required');
      expect(after.text).not.toContain('user-access-token');
    });
  });

  it('rejects an invalid auth method with field errors', async () => {
    const res = await resolve({ type: 'oauth' });
    expect(res.status).toBe(422);
    expect(res.json.errors).toEqual([expect.objectContaining({ field: 'auth_method.provider' })]);
  });
});

describe('the internal API has its own listener', () => {
  let h: AdminApiHarness;

  beforeAll(async () => {
    h = await startAdminApi();
  });

  afterAll(async () => {
    await h.close();
  });

  it('/internal/* on the admin listener → 404, with either token', async () => {
    for (const token of [INTERNAL_API_TOKEN, ADMIN_TOKEN]) {
      const resolve = await call(h.baseUrl, 'POST', '/internal/v1/credentials/resolve', {
        body: { principal: { subject: 'u' }, auth_method: { type: 'none' } },
        token,
      });
      expect(resolve.status).toBe(token === ADMIN_TOKEN ? 404 : 401);
      const listed = await call(h.baseUrl, 'GET', '/internal/v1/connections?subject=u', { token });
      expect(listed.status).toBe(token === ADMIN_TOKEN ? 404 : 401);
    }
  });

  it('answers on the internal listener with INTERNAL_API_TOKEN only', async () => {
    const body = { principal: { subject: 'u' }, auth_method: { type: 'none' } };
    const ok = await call(h.internalUrl, 'POST', '/internal/v1/credentials/resolve', {
      body,
      token: INTERNAL_API_TOKEN,
    });
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ outcome: 'none' });
    const admin = await call(h.internalUrl, 'POST', '/internal/v1/credentials/resolve', {
      body,
      token: ADMIN_TOKEN,
    });
    expect(admin.status).toBe(401);
    expect(admin.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(admin.json).toMatchObject({ status: 401, code: 'unauthorized' });
  });

  it('serves no admin routes and no metrics', async () => {
    const policies = await call(h.internalUrl, 'GET', '/admin/v1/policies', {
      token: INTERNAL_API_TOKEN,
    });
    expect(policies.status).toBe(404);
    const metrics = await call(h.internalUrl, 'GET', '/metrics', { token: INTERNAL_API_TOKEN });
    expect(metrics.status).toBe(404);
    expect((await call(h.internalUrl, 'GET', '/healthz', { token: null })).status).toBe(200);
  });
});
