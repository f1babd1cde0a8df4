import 'reflect-metadata';
import Redis from 'ioredis';
import { generateApiKey } from '@app/crypto';
import {
  apiKeyVerificationSchema,
  credentialChannel,
  parseCredentialChange,
} from '@app/gateway-contract';
import { within } from '@app/testing';
import {
  ADMIN_TOKEN,
  INTERNAL_API_TOKEN,
  startAdminApi,
  type AdminApiHarness,
} from '../support/admin-api.harness';
import { call } from '../support/http';

// POST /internal/v1/api-keys/verify: the gateway's check of an `Authorization: ApiKey` caller
// (it holds no pepper). Real Postgres and Redis; keys created through the admin API.

describe('internal API: API-key verification for the gateway', () => {
  let h: AdminApiHarness;
  let subscriber: Redis;
  /** Credential announcements seen on the deployment's channel. */
  const announced: unknown[] = [];

  const verify = (body: unknown, token: string | null = INTERNAL_API_TOKEN) =>
    call(h.internalUrl, 'POST', '/internal/v1/api-keys/verify', { body, token });
  const admin = (method: string, path: string, body?: unknown) =>
    call(h.baseUrl, method, path, { body, token: ADMIN_TOKEN });
  const createKey = async (body: Record<string, unknown>) => {
    const created = await admin('POST', '/admin/v1/api-keys', body);
    expect(created.status).toBe(201);
    return created.json as { id: string; key: string };
  };

  beforeAll(async () => {
    h = await startAdminApi();
    subscriber = new Redis(h.config.REDIS_URL);
    subscriber.on('message', (_channel: string, message: string) =>
      announced.push(parseCredentialChange(message) ?? message),
    );
    await subscriber.subscribe(credentialChannel(h.config.REDIS_KEY_PREFIX));
  });

  afterAll(async () => {
    await subscriber.quit();
    await h.close();
  });

  it('requires the internal token: none, or the admin token, is a 401', async () => {
    expect((await verify({ key: 'x' }, null)).status).toBe(401);
    expect((await verify({ key: 'x' }, ADMIN_TOKEN)).status).toBe(401);
  });

  it('a valid key: its principal apikey:<id>, name, permissions and expiry, with no-store', async () => {
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const { id, key } = await createKey({
      name: 'ci.deploy',
      permissions: ['read', 'deploy'],
      expires_at: expiresAt,
    });
    const res = await verify({ key });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.json).toEqual({
      valid: true,
      subject: `apikey:${id}`,
      key_name: 'ci.deploy',
      permissions: ['read', 'deploy'],
      expires_at: expiresAt,
    });
    expect(apiKeyVerificationSchema.safeParse(res.json).success).toBe(true);
  });

  it('one answer for every rejection: malformed, unknown, wrong secret, inactive, expired, deleted', async () => {
    const inactive = await createKey({ name: 'inactive' });
    expect(
      (await admin('PATCH', `/admin/v1/api-keys/${inactive.id}`, { active: false })).status,
    ).toBe(200);
    const expired = await createKey({
      name: 'expired',
      expires_at: new Date(Date.now() + 60_000).toISOString(),
    });
    await h.database.query(
      `UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`,
      [expired.id],
    );
    const deleted = await createKey({ name: 'deleted' });
    expect((await admin('DELETE', `/admin/v1/api-keys/${deleted.id}`)).status).toBe(204);
    const kept = await createKey({ name: 'kept' });

    for (const key of [
      'nonsense',
      generateApiKey().key,
      `${kept.key.slice(0, -4)}AAAA`,
      inactive.key,
      expired.key,
      deleted.key,
    ]) {
      const res = await verify({ key });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.json).toEqual({ valid: false });
    }
    expect((await verify({ key: kept.key })).json.valid).toBe(true);
  });

  it.each([
    ['no key', {}, 'key'],
    ['an empty key', { key: '' }, 'key'],
    ['a key longer than any of ours', { key: 'k'.repeat(513) }, 'key'],
    ['a key that is not a string', { key: 42 }, 'key'],
    ['an unknown field', { key: 'x', subject: 'someone' }, 'subject'],
  ])('refuses %s with a 422 naming the field', async (_why, body, field) => {
    const res = await verify(body);
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.json).toMatchObject({ code: 'validation_failed' });
    expect(res.json.errors).toEqual([expect.objectContaining({ field })]);
  });

  it('an operator change to an API key is announced to the gateways as {"all":true}', async () => {
    const { id } = await createKey({ name: 'announced' });
    announced.length = 0;
    expect((await admin('PATCH', `/admin/v1/api-keys/${id}`, { permissions: ['x'] })).status).toBe(
      200,
    );
    await within(1000, () => announced.length > 0);
    expect(announced).toEqual([{ all: true }]);
    expect((await admin('DELETE', `/admin/v1/api-keys/${id}`)).status).toBe(204);
    await within(1000, () => announced.length > 1);
    expect(announced).toEqual([{ all: true }, { all: true }]);
  });
});
