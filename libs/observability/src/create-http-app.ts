import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { LogController } from 'fastify';
import type { Logger } from 'pino';
import { watchForClientAbort } from './client-abort';
import type { MetricsService } from './metrics.service';
import { PinoNestLogger } from './pino-nest.logger';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface HttpAppOptions {
  logger: Logger;
  metrics: MetricsService;
  /** The `listener` label of this app's HTTP metrics (an app with several listeners tells them apart). */
  listener?: string;
  /** Largest request body in bytes; Fastify answers 413 above it. */
  bodyLimit?: number;
}

/**
 * Builds a Nest app on Fastify with what every listener needs: a correlation id per request
 * (taken from a well-formed `X-Request-Id` or generated, echoed on the response and present on every
 * log line of the request), pino request logs, the HTTP duration metric, and a client that goes
 * away mid-request logged at debug (it is not a server error).
 */
export async function createHttpApp(
  module: unknown,
  options: HttpAppOptions,
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    loggerInstance: options.logger,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    requestIdHeader: false,
    genReqId: (req: IncomingMessage) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    logController: new LogController({ requestIdLogLabel: 'correlation_id' }),
    trustProxy: false,
  });
  const fastify = adapter.getInstance();
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
    watchForClientAbort(request.raw);
  });
  fastify.addHook('onResponse', async (request, reply) => {
    options.metrics.httpDuration.observe(
      {
        listener: options.listener ?? 'main',
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });
  const app = await NestFactory.create<NestFastifyApplication>(module as never, adapter, {
    logger: new PinoNestLogger(options.logger),
    bufferLogs: false,
    // Fastify's own JSON parser only; no urlencoded/form bodies on any listener.
    bodyParser: false,
  });
  return app;
}
