import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Logger } from 'pino';
import type { BrokerInfrastructure } from '../infrastructure/broker-infrastructure';
import type { TokenBrokerConfig } from '@app/config';
import { createHttpApp, type MetricsService } from '@app/observability';
import { AdminModule } from './admin.module';
import { AdminApiError } from './http/admin-api.error';
import { registerAdminBodyParsers } from './http/admin-body-parsers';
import { bearerMatches } from '@app/crypto';
import { sendProblem, toProblem } from './http/problem-details.filter';

const OPEN_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

function isOpenRoute(route: string): boolean {
  return OPEN_ROUTES.has(route) || route === '/admin/docs' || route.startsWith('/admin/docs/');
}

/** Builds (does not listen) the admin API app: parsers for YAML and merge-patch bodies, OpenAPI. */
export async function createAdminApp(
  config: TokenBrokerConfig,
  logger: Logger,
  metrics: MetricsService,
  infrastructure: BrokerInfrastructure,
): Promise<NestFastifyApplication> {
  const app = await createHttpApp(AdminModule.forRoot(config, logger, metrics, infrastructure), {
    logger,
    metrics,
    listener: 'admin',
    bodyLimit: config.ADMIN_BODY_LIMIT_BYTES,
  });
  const fastify = app.getHttpAdapter().getInstance();
  // The listener is for operators: every request but health, metrics and the API document is
  // authenticated before its body is parsed. Decided by the matched route template, never by the
  // raw URL (`/%61dmin/v1/...` routes to the same handler).
  fastify.addHook('onRequest', async (request, reply) => {
    const route = request.routeOptions.url;
    if (route !== undefined && isOpenRoute(route)) {
      return undefined;
    }
    if (!bearerMatches(request.headers.authorization, config.ADMIN_TOKEN)) {
      return sendProblem(
        reply,
        request,
        toProblem(
          new AdminApiError('unauthorized', 'a valid bearer token for this API is required'),
        ),
      );
    }
    return undefined;
  });
  registerAdminBodyParsers(fastify);
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('MCP auth gateway: admin API')
      .setDescription(
        'Policies, revisions and audit. Errors are application/problem+json (RFC 9457).',
      )
      .setVersion('v1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' })
      .build(),
  );
  SwaggerModule.setup('admin/docs', app, document, { jsonDocumentUrl: 'admin/docs/openapi.json' });
  return app;
}
