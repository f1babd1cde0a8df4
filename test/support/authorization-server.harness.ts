import { createServer } from 'node:net';
import type { Logger } from 'pino';
import pino from 'pino';
import type { PublicAppOptions } from '../../apps/token-broker/src/public/public.module';
import { startAdminApi, type AdminApiHarness } from './admin-api.harness';

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
