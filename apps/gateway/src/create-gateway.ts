import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import type { GatewayConfig } from '@app/config';
import { createHttpApp, type MetricsService } from '@app/observability';
import { AggregateController } from './aggregate/aggregate.controller';
import { GatewayModule } from './gateway.module';
import { McpRefusalFilter } from './http/mcp-refusal.filter';
import { ShutdownDrain } from './http/shutdown-drain';
import { McpController } from './mcp/mcp.controller';
import { PrincipalRateLimiter } from './rate-limit/principal-rate-limiter';

/**
 * The gateway app, unstarted (main.ts listens; tests listen on port 0). MCP bodies are read as
 * bytes, whatever their type: the pipeline checks the type and the JSON itself and forwards the
 * bytes it read (never a re-serialisation).
 */
export async function createGateway(
  config: GatewayConfig,
  logger: Logger,
  metrics: MetricsService,
): Promise<NestFastifyApplication> {
  const app = await createHttpApp(GatewayModule.forRoot(config, logger, metrics), {
    logger,
    metrics,
    bodyLimit: config.GATEWAY_BODY_LIMIT_BYTES,
  });
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) =>
    done(null, body),
  );
  await app.get(PrincipalRateLimiter).install(fastify);
  app.get(McpController).register(fastify);
  app.get(AggregateController).register(fastify);
  // A graceful close ends the relayed SSE streams and idle connections itself (shutdown-drain.ts).
  const drain = app.get(ShutdownDrain);
  drain.watch(fastify.server);
  fastify.addHook('preClose', (done) => {
    drain.drain();
    done();
  });
  app.useGlobalFilters(new McpRefusalFilter(app.getHttpAdapter(), config.GATEWAY_BODY_LIMIT_BYTES));
  return app;
}
