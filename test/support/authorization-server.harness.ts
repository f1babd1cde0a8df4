import { createServer } from 'node:net';
import type { Logger } from 'pino';
import pino from 'pino';
import type { PublicAppOptions } from '../../apps/token-broker/src/public/public.module';
import { startAdminApi, type AdminApiHarness } from './admin-api.harness';
import { call } from './http';

/** A free loopback port (the issuer URL must be known before the broker starts). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export const GATEWAY_URL = 'http://127.0.0.1:18080';
export const DEMO_PASSWORD = 'demo-password-for-tests';

/**
 * The broker with its authorization server on a fixed free port (so BROKER_PUBLIC_URL, the issuer,
 * is exact) and the demo IdP as the upstream login.
 */
export async function startAuthorizationServer(
  overrides: Record<string, string> = {},
  logger: Logger = pino({ level: 'silent' }),
  publicOptions: PublicAppOptions = {},
): Promise<AdminApiHarness & { issuer: string }> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const harness = await startAdminApi(
    {
      BROKER_PUBLIC_URL: issuer,
      GATEWAY_PUBLIC_URL: GATEWAY_URL,
      DEMO_IDP_ENABLED: 'true',
      DEMO_IDP_PASSWORD: DEMO_PASSWORD,
      // Every test registers its own clients from one address; the limit has its own test.
      AS_REGISTRATIONS_PER_HOUR: '100000',
      ...overrides,
    },
    logger,
    port,
    publicOptions,
  );
  return { ...harness, issuer };
}

/**
 * Registers an upstream through the admin API (tokens for `<GATEWAY_URL>/mcp/<name>` are issued
 * only for registered upstreams); returns its id. The admin answer comes after the broker's own
 * upstream cache holds the change, so the next authorization sees it.
 */
export async function registerUpstream(
  harness: Pick<AdminApiHarness, 'baseUrl'>,
  name: string,
): Promise<string> {
  const created = await call(harness.baseUrl, 'POST', '/admin/v1/upstreams', {
    body: { name, url: `http://127.0.0.1:9/${name}` },
  });
  if (created.status !== 201) {
    throw new Error(`registering upstream ${name}: ${created.status} ${created.text}`);
  }
  return created.json.id as string;
}
