import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pino, { type Logger } from 'pino';
import { gatewaySchema, loadConfig, type GatewayConfig } from '@app/config';
import { MetricsService } from '@app/observability';
import { startUpstreamFixture, type UpstreamFixture } from '@app/testing';
import { createGateway } from '../../apps/gateway/src/create-gateway';
import { createGatewayMetricsApp } from '../../apps/gateway/src/metrics/gateway-metrics-listener';
import { ADMIN_TOKEN, INTERNAL_API_TOKEN, type AdminApiHarness } from './admin-api.harness';
import { freePort, startAuthorizationServer } from './authorization-server.harness';
import { call } from './http';

export interface GatewayHarness {
  broker: AdminApiHarness & { issuer: string };
  gateway: NestFastifyApplication;
  config: GatewayConfig;
  /** The gateway's public URL (also its listening address). */
  gatewayUrl: string;
  fixture: UpstreamFixture;
  /** The gateway's metrics listener (`GET /metrics`), on a port of its own. */
  metricsUrl: string;
  /** Further fixtures registered under the names asked for (`extraUpstreams`). */
  extra: Record<string, UpstreamFixture>;
  /** Admin API call on the broker (the operator's token). */
  admin(method: string, path: string, body?: unknown): Promise<Awaited<ReturnType<typeof call>>>;
  close(): Promise<void>;
}

/**
 * The whole data plane for a test: the broker (authorization server with the demo IdP, admin and
 * internal APIs, its own database), an upstream fixture (SDK v2, both generations) registered as
 * `fixture`, and the gateway in front of it on a fixed free port (its public URL must be exact:
 * tokens carry it in `aud`).
 */
export async function startGateway(
  options: {
    gateway?: Record<string, string>;
    broker?: Record<string, string>;
    logger?: Logger;
    /** More upstream fixtures to start and register, by name (the aggregate's suites). */
    extraUpstreams?: readonly string[];
  } = {},
): Promise<GatewayHarness> {
  const port = await freePort();
  const gatewayUrl = `http://127.0.0.1:${port}`;
  const broker = await startAuthorizationServer({
    GATEWAY_PUBLIC_URL: gatewayUrl,
    ...options.broker,
  });
  const fixture = await startUpstreamFixture();
  const config = loadConfig(gatewaySchema, {
    DATABASE_URL: broker.config.DATABASE_URL,
    REDIS_URL: broker.config.REDIS_URL,
    REDIS_KEY_PREFIX: broker.config.REDIS_KEY_PREFIX,
    GATEWAY_PUBLIC_URL: gatewayUrl,
    BROKER_PUBLIC_URL: broker.issuer,
    BROKER_INTERNAL_URL: broker.internalUrl,
    INTERNAL_API_TOKEN,
    POLICY_POLL_INTERVAL_MS: '500',
    UPSTREAM_POLL_INTERVAL_MS: '500',
    LOG_LEVEL: 'silent',
    ...options.gateway,
  });
  const admin = (method: string, path: string, body?: unknown) =>
    call(broker.baseUrl, method, path, {
      token: ADMIN_TOKEN,
      ...(body !== undefined ? { body } : {}),
    });
  const registered = await admin('POST', '/admin/v1/upstreams', {
    name: 'fixture',
    url: fixture.url,
  });
  if (registered.status !== 201) {
    throw new Error(`could not register the fixture upstream: ${registered.status}`);
  }
  const extra: Record<string, UpstreamFixture> = {};
  for (const name of options.extraUpstreams ?? []) {
    extra[name] = await startUpstreamFixture();
    const added = await admin('POST', '/admin/v1/upstreams', { name, url: extra[name].url });
    if (added.status !== 201) {
      throw new Error(`could not register the upstream ${name}: ${added.status}`);
    }
  }
  const logger = options.logger ?? pino({ level: process.env.GATEWAY_TEST_LOG ?? 'silent' });
  const metrics = new MetricsService('test-gateway');
  const gateway = await createGateway(config, logger, metrics);
  await gateway.listen(port, '127.0.0.1');
  const metricsApp = await createGatewayMetricsApp(logger, metrics);
  await metricsApp.listen(0, '127.0.0.1');
  return {
    broker,
    gateway,
    config,
    gatewayUrl,
    fixture,
    metricsUrl: await metricsApp.getUrl(),
    extra,
    admin,
    close: async () => {
      // Relayed SSE streams (a legacy client's GET) stay open until someone ends them.
      gateway.getHttpAdapter().getInstance().server.closeAllConnections();
      await gateway.close();
      await metricsApp.close();
      await fixture.close();
      await Promise.allSettled(Object.values(extra).map((one) => one.close()));
      await broker.close();
    },
  };
}
