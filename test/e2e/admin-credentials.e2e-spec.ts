import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '@app/persistence';
import { startAdminApi, type AdminApiHarness } from '../support/admin-api.harness';
import { call } from '../support/http';

const CLIENT_SECRET = 'provider-client-secret-0123456789';
const PAT = 'ghp_serviceaccounttoken0123456789abcdef';

describe('admin API: providers, API keys, service accounts', () => {
  let h: AdminApiHarness;
  let ds: DataSource;

  beforeAll(async () => {
    h = await startAdminApi();
    ds = await new DataSource(buildDataSourceOptions(h.database.url, { poolSize: 1 })).initialize();
  });

  afterAll(async () => {
    await ds.destroy();
    await h.close();
  });

  describe('/admin/v1/providers', () => {
    it('creates a github preset with its endpoints filled and the secret write-only', async () => {
      const res = await call(h.baseUrl, 'POST', '/admin/v1/providers', {
        body: {
          name: 'github',
          kind: 'github',
          client_id: 'Iv1.abc',
          client_secret: CLIENT_SECRET,
          scopes: ['repo'],
        },
      });
      expect(res.status).toBe(201);
      expect(res.json).toMatchObject({
        name: 'github',
        kind: 'github',
        client_id: 'Iv1.abc',
        client_secret_set: true,
        authorization_endpoint: 'https://github.com/login/oauth/authorize',
        token_endpoint: 'https://github.com/login/oauth/access_token',
        device_authorization_endpoint: 'https://github.com/login/device/code',
        oauth_enabled: true,
        device_code_enabled: false,
        scopes: ['repo'],
      });
      expect(res.text).not.toContain(CLIENT_SECRET);
      expect(
        (await call(h.baseUrl, 'GET', `/admin/v1/providers/${res.json.id}`)).text,
      ).not.toContain(CLIENT_SECRET);
      expect((await call(h.baseUrl, 'GET', '/admin/v1/providers')).text).not.toContain(
        CLIENT_SECRET,
      );
    });

    it('stores the client secret sealed (AES-256-GCM), never in the clear, and audits without it', async () => {
      const [row] = await ds.query(
        `SELECT client_secret_sealed FROM providers WHERE name = 'github'`,
      );
      expect(row.client_secret_sealed).toMatch(/^v1\.test1\./);
      expect(row.client_secret_sealed).not.toContain(CLIENT_SECRET);
      const audit = await call(h.baseUrl, 'GET', '/admin/v1/audit?resource_type=provider');
      expect(audit.json.events[0]).toMatchObject({
        action: 'provider.create',
        after: { client_secret_set: true },
      });
      expect(audit.text).not.toContain(CLIENT_SECRET);
      expect(audit.text).not.toContain(row.client_secret_sealed);
    });

    it('fills the microsoft preset for a tenant', async () => {
      const res = await call(h.baseUrl, 'POST', '/admin/v1/providers', {
        body: {
          name: 'entra',
          kind: 'microsoft',
          client_id: 'abc',
          tenant: 'contoso.onmicrosoft.com',
        },
      });
      expect(res.status).toBe(201);
      expect(res.json.token_endpoint).toBe(
        'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token',
      );
    });

    it('requires an issuer for oidc and explicit endpoints for oauth2', async () => {
      const oidc = await call(h.baseUrl, 'POST', '/admin/v1/providers', {
        body: { name: 'corp', kind: 'oidc', client_id: 'x' },
      });
      expect(oidc.status).toBe(422);
      expect(oidc.json.errors).toEqual([expect.objectContaining({ field: 'issuer' })]);
      const oauth2 = await call(h.baseUrl, 'POST', '/admin/v1/providers', {
        body: { name: 'legacy', kind: 'oauth2', client_id: 'x', device_code_enabled: true },
      });
      expect(oauth2.status).toBe(422);
      expect(oauth2.json.errors.map((e: { field: string }) => e.field).sort()).toEqual([
        'authorization_endpoint',
        'device_authorization_endpoint',
        'token_endpoint',
      ]);
    });

    it('refuses plain-http endpoints except on loopback (SPEC-MUST 28)', async () => {
      const remote = await call(h.baseUrl, 'POST', '/admin/v1/providers', {
        body: { name: 'insecure', kind: 'oidc', client_id: 'x', issuer: 'http://idp.example.com' },
      });
      expect(remote.status).toBe(422);
      const local = await call(h.baseUrl, 'POST', '/admin/v1/providers', {
        body: { name: 'local-idp', kind: 'oidc', client_id: 'x', issuer: 'http://127.0.0.1:9999' },
      });
      expect(local.status).toBe(201);
    });

    it('keeps the secret on PATCH without it, removes it with null, and 409s a duplicate name', async () => {
      const created = await call(h.baseUrl, 'GET', '/admin/v1/providers');
      const github = created.json.items.find((p: { name: string }) => p.name === 'github');
      const patched = await call(h.baseUrl, 'PATCH', `/admin/v1/providers/${github.id}`, {
        body: { scopes: ['repo', 'read:org'] },
      });
      expect(patched.status).toBe(200);
      expect(patched.json).toMatchObject({
        client_secret_set: true,
        scopes: ['repo', 'read:org'],
        row_version: 2,
      });
      const cleared = await call(h.baseUrl, 'PATCH', `/admin/v1/providers/${github.id}`, {
        body: { client_secret: null },
        headers: { 'if-match': '"2"' },
      });
      expect(cleared.json.client_secret_set).toBe(false);
      const duplicate = await call(h.baseUrl, 'POST', '/admin/v1/providers', {
        body: { name: 'github', kind: 'github', client_id: 'y' },
      });
      expect(duplicate.status).toBe(409);
      expect(duplicate.json.errors).toEqual([expect.objectContaining({ field: 'name' })]);
    });

    it('rejects unknown fields and a stale If-Match', async () => {
      const unknown = await call(h.baseUrl, 'POST', '/admin/v1/providers', {
        body: { name: 'p2', kind: 'github', client_id: 'x', colour: 'red' },
      });
      expect(unknown.status).toBe(422);
      expect(unknown.json.errors).toEqual([
        expect.objectContaining({ field: 'colour', message: 'unknown field' }),
      ]);
      const list = await call(h.baseUrl, 'GET', '/admin/v1/providers');
      const entra = list.json.items.find((p: { name: string }) => p.name === 'entra');
      const stale = await call(h.baseUrl, 'DELETE', `/admin/v1/providers/${entra.id}`, {
        headers: { 'if-match': '"9"' },
      });
      expect(stale.status).toBe(412);
      expect(
        (
          await call(h.baseUrl, 'DELETE', `/admin/v1/providers/${entra.id}`, {
            headers: { 'if-match': '"1"' },
          })
        ).status,
      ).toBe(204);
    });
  });

  describe('GET /health/auth (seed shape)', () => {
    it('reports each provider and the session storage', async () => {
      const res = await call(h.publicUrl, 'GET', '/health/auth', { token: null });
      expect(res.json).toMatchObject({ healthy: true, session_storage: 'healthy' });
      expect(res.json.providers).toMatchObject({ github: 'healthy' });
      expect(res.text).not.toContain(CLIENT_SECRET);
    });
  });

  describe('/admin/v1/api-keys and POST /mcp/auth/apikey/validate', () => {
    let key: string;
    let id: string;

    it('returns the key once, stores only a keyed hash', async () => {
      const res = await call(h.baseUrl, 'POST', '/admin/v1/api-keys', {
        body: { name: 'admin_key', permissions: ['read', 'write', 'admin'] },
      });
      expect(res.status).toBe(201);
      key = res.json.key;
      id = res.json.id;
      expect(key).toMatch(/^mcpgw_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$/);
      expect(res.json).toMatchObject({
        name: 'admin_key',
        permissions: ['read', 'write', 'admin'],
        active: true,
        expires_at: null,
      });
      expect(key.endsWith(res.json.hint)).toBe(true);
      const again = await call(h.baseUrl, 'GET', `/admin/v1/api-keys/${id}`);
      expect(again.json.key).toBeUndefined();
      expect(again.text).not.toContain(key);
      const [row] = await ds.query('SELECT key_hash FROM api_keys WHERE id = $1', [id]);
      expect(row.key_hash).toMatch(/^[0-9a-f]{64}$/);
      // The secret is everything after `mcpgw_<key id>_`: base64url, so it may hold `_` itself
      // (split('_')[2] then took a piece as short as one letter, found by chance in the row).
      const secret = key.slice('mcpgw_'.length + 12 + 1);
      expect(secret).toHaveLength(43);
      expect(JSON.stringify(await ds.query('SELECT * FROM api_keys'))).not.toContain(secret);
    });

    it('validates the key in the seed shape', async () => {
      const res = await call(h.publicUrl, 'POST', '/mcp/auth/apikey/validate', {
        token: null,
        headers: { authorization: `ApiKey ${key}` },
      });
      expect(res.status).toBe(200);
      expect(res.json).toEqual({
        valid: true,
        key_name: 'admin_key',
        permissions: ['read', 'write', 'admin'],
        expires_at: null,
      });
    });

    it('answers one 401 for a wrong, malformed or missing key', async () => {
      const wrongSecret = `${key.slice(0, -4)}AAAA`;
      for (const authorization of [
        `ApiKey ${wrongSecret}`,
        'ApiKey nonsense',
        `Bearer ${key}`,
        undefined,
      ]) {
        const res = await call(h.publicUrl, 'POST', '/mcp/auth/apikey/validate', {
          token: null,
          headers: authorization ? { authorization } : {},
        });
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toMatch(/^ApiKey/);
        expect(res.json.valid).toBe(false);
      }
    });

    it('refuses a deactivated key and an expiry in the past', async () => {
      await call(h.baseUrl, 'PATCH', `/admin/v1/api-keys/${id}`, { body: { active: false } });
      const res = await call(h.publicUrl, 'POST', '/mcp/auth/apikey/validate', {
        token: null,
        headers: { authorization: `ApiKey ${key}` },
      });
      expect(res.status).toBe(401);
      const past = await call(h.baseUrl, 'POST', '/admin/v1/api-keys', {
        body: { name: 'old', expires_at: '2001-01-01T00:00:00Z' },
      });
      expect(past.status).toBe(422);
      expect(past.json.errors).toEqual([expect.objectContaining({ field: 'expires_at' })]);
    });

    it('a key past its expiry no longer validates', async () => {
      const created = await call(h.baseUrl, 'POST', '/admin/v1/api-keys', {
        body: { name: 'short_lived', expires_at: new Date(Date.now() + 60_000).toISOString() },
      });
      await ds.query(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, [
        created.json.id,
      ]);
      const res = await call(h.publicUrl, 'POST', '/mcp/auth/apikey/validate', {
        token: null,
        headers: { authorization: `ApiKey ${created.json.key}` },
      });
      expect(res.status).toBe(401);
    });
  });

  describe('review findings: secrets stay where they were sent, headers stay headers', () => {
    it('derives preset endpoints on read: a new tenant changes them (with the secret given again)', async () => {
      const created = await call(h.baseUrl, 'POST', '/admin/v1/providers', {
        body: { name: 'ms', kind: 'microsoft', client_id: 'abc', client_secret: 'ms-secret-1' },
      });
      expect(created.json.token_endpoint).toBe(
        'https://login.microsoftonline.com/common/oauth2/v2.0/token',
      );
      const refused = await call(h.baseUrl, 'PATCH', `/admin/v1/providers/${created.json.id}`, {
        body: { tenant: 'contoso.onmicrosoft.com' },
      });
      expect(refused.status).toBe(422);
      expect(refused.json.errors).toEqual([expect.objectContaining({ field: 'client_secret' })]);
      const moved = await call(h.baseUrl, 'PATCH', `/admin/v1/providers/${created.json.id}`, {
        body: { tenant: 'contoso.onmicrosoft.com', client_secret: 'ms-secret-2' },
      });
      expect(moved.status).toBe(200);
      expect(moved.json.token_endpoint).toBe(
        'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token',
      );
    });

    it('refuses endpoint URLs carrying credentials or a fragment', async () => {
      for (const issuer of ['https://user:pw@idp.example.com', 'https://idp.example.com/#x']) {
        const res = await call(h.baseUrl, 'POST', '/admin/v1/providers', {
          body: { name: 'creds-in-url', kind: 'oidc', client_id: 'x', issuer },
        });
        expect(res.status).toBe(422);
        expect(res.text).not.toContain(':pw@');
      }
    });

    it('refuses a token that would break out of its header (CR/LF, control characters, edge spaces)', async () => {
      for (const token of ['ghp_abc\r\nX-Evil: 1', 'ghp_abc\n', ' ghp_abc', 'ghp\u0001abc']) {
        const res = await call(h.baseUrl, 'POST', '/admin/v1/service-accounts', {
          body: { name: 'crlf', type: 'github_pat', token },
        });
        expect(res.status).toBe(422);
        expect(res.json.errors).toEqual([expect.objectContaining({ field: 'token' })]);
      }
    });

    it('asks for the secret again when where it is sent changes', async () => {
      const created = await call(h.baseUrl, 'POST', '/admin/v1/service-accounts', {
        body: {
          name: 'cc_moving',
          type: 'oauth2_client_credentials',
          token_endpoint: 'https://auth.example.com/token',
          client_id: 'c',
          client_secret: 'cc-secret',
        },
      });
      expect(created.status).toBe(201);
      const redirected = await call(
        h.baseUrl,
        'PATCH',
        `/admin/v1/service-accounts/${created.json.id}`,
        {
          body: { token_endpoint: 'https://elsewhere.example.net/token' },
        },
      );
      expect(redirected.status).toBe(422);
      expect(redirected.json.errors).toEqual([expect.objectContaining({ field: 'client_secret' })]);
      const scoped = await call(
        h.baseUrl,
        'PATCH',
        `/admin/v1/service-accounts/${created.json.id}`,
        {
          body: { scopes: ['a'] },
        },
      );
      expect(scoped.status).toBe(200);
    });

    it('refuses a Google key that is not PKCS#8 RSA (it could never sign)', async () => {
      const res = await call(h.baseUrl, 'POST', '/admin/v1/service-accounts', {
        body: {
          name: 'g1',
          type: 'google_service_account',
          client_email: 'sa@p.iam.gserviceaccount.com',
          private_key: '-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n',
          scopes: ['s'],
        },
      });
      expect(res.status).toBe(422);
      expect(res.json.errors).toEqual([expect.objectContaining({ field: 'private_key' })]);
    });
  });

  describe('/admin/v1/service-accounts', () => {
    it('creates a github_pat with the token sealed and never returned', async () => {
      const res = await call(h.baseUrl, 'POST', '/admin/v1/service-accounts', {
        body: {
          name: 'github_deploy_pat',
          type: 'github_pat',
          token: PAT,
          scopes: ['repo', 'workflow'],
        },
      });
      expect(res.status).toBe(201);
      expect(res.json).toMatchObject({
        name: 'github_deploy_pat',
        type: 'github_pat',
        scopes: ['repo', 'workflow'],
        secret_set: true,
      });
      expect(res.text).not.toContain(PAT);
      const [row] = await ds.query(
        `SELECT secret_sealed, settings FROM service_accounts WHERE name = 'github_deploy_pat'`,
      );
      expect(row.secret_sealed).not.toContain(PAT);
      expect(JSON.stringify(row.settings)).not.toContain(PAT);
      expect(
        (await call(h.baseUrl, 'GET', '/admin/v1/audit?resource_type=service_account')).text,
      ).not.toContain(PAT);
    });

    it('requires the secret at creation and keeps it when a PUT omits it', async () => {
      const missing = await call(h.baseUrl, 'POST', '/admin/v1/service-accounts', {
        body: { name: 'nokey', type: 'static_bearer' },
      });
      expect(missing.status).toBe(422);
      expect(missing.json.errors).toEqual([
        expect.objectContaining({ field: 'token', message: 'is required' }),
      ]);
      const list = await call(h.baseUrl, 'GET', '/admin/v1/service-accounts');
      const account = list.json.items.find((a: { name: string }) => a.name === 'github_deploy_pat');
      const [before] = await ds.query('SELECT secret_sealed FROM service_accounts WHERE id = $1', [
        account.id,
      ]);
      const put = await call(h.baseUrl, 'PUT', `/admin/v1/service-accounts/${account.id}`, {
        body: {
          name: 'github_deploy_pat',
          type: 'github_pat',
          scopes: ['repo'],
          description: 'deploys',
        },
      });
      expect(put.status).toBe(200);
      const [after] = await ds.query('SELECT secret_sealed FROM service_accounts WHERE id = $1', [
        account.id,
      ]);
      expect(after.secret_sealed).toBe(before.secret_sealed);
    });

    it('validates each type: oauth2_client_credentials needs https endpoints, google needs scopes and a PEM key', async () => {
      const cc = await call(h.baseUrl, 'POST', '/admin/v1/service-accounts', {
        body: {
          name: 'cc',
          type: 'oauth2_client_credentials',
          token_endpoint: 'http://auth.example.com/token',
          client_id: 'c',
          client_secret: 's',
        },
      });
      expect(cc.status).toBe(422);
      expect(cc.json.errors).toEqual([expect.objectContaining({ field: 'token_endpoint' })]);
      const google = await call(h.baseUrl, 'POST', '/admin/v1/service-accounts', {
        body: {
          name: 'g',
          type: 'google_service_account',
          client_email: 'sa@p.iam.gserviceaccount.com',
          private_key: 'nope',
          scopes: [],
        },
      });
      expect(google.status).toBe(422);
      expect(google.json.errors.map((e: { field: string }) => e.field).sort()).toEqual([
        'private_key',
        'scopes',
      ]);
      const unknownType = await call(h.baseUrl, 'POST', '/admin/v1/service-accounts', {
        body: { name: 'u', type: 'magic' },
      });
      expect(unknownType.status).toBe(422);
    });
  });
});
