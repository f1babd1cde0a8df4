import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import type { BrokerInfrastructure } from '../infrastructure/broker-infrastructure';
import type { TokenBrokerConfig } from '@app/config';
import { bearerMatches } from '@app/crypto';
import { createHttpApp, type MetricsService } from '@app/observability';
import { InternalApiError } from './http/internal-api.error';
import { sendInternalProblem } from './http/internal-error.filter';
import { InternalModule } from './internal.module';

const OPEN_ROUTES = new Set(['/healthz', '/readyz']);

/** Builds (does not listen) the internal API app (INTERNAL_PORT / INTERNAL_HOST). */
export async function createInternalApp(
  config: TokenBrokerConfig,
  logger: Logger,
  metrics: MetricsService,
  infrastructure: BrokerInfrastructure,
): Promise<NestFastifyApplication> {
  const app = await createHttpApp(InternalModule.forRoot(config, logger, metrics, infrastructure), {
    logger,
    metrics,
    listener: 'internal',
  });
  const fastify = app.getHttpAdapter().getInstance();
  // The gateway's listener: every request but health is authenticated before its body is parsed,
  // whatever its path (decided by the matched route, never by the raw URL).
  fastify.addHook('onRequest', async (request, reply) => {
    const route = request.routeOptions.url;
    if (route !== undefined && OPEN_ROUTES.has(route)) {
      return undefined;
    }
    if (!bearerMatches(request.headers.authorization, config.INTERNAL_API_TOKEN)) {
      return sendInternalProblem(
        reply,
        request,
        new InternalApiError('unauthorized', 'a valid bearer token for this API is required'),
      );
    }
    return undefined;
  });
  fastify.removeContentTypeParser('text/plain');
  return app;
}
