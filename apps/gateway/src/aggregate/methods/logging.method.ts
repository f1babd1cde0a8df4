import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '@app/observability';
import { UpstreamCache } from '@app/upstream-cache';
import { GatewayError } from '../../http/gateway-error';
import { type AggregateAnswer, type AggregateMethod, paramsOf, result } from '../aggregate-answer';
import type { AggregateExchange } from '../aggregate-exchange';
import { UpstreamAccess } from '../upstream-access';
import { RefreshingCaller } from '../refreshing-caller';

const LEVELS = new Set([
  'debug',
  'info',
  'notice',
  'warning',
  'error',
  'critical',
  'alert',
  'emergency',
]);

/**
 * `logging/setLevel` on `/mcp`: sent to every upstream the caller may use (opening its session if
 * need be; a refused connection token is refreshed once, refreshing-caller.ts) and answered
 * once, by the gateway. An upstream that fails or has no logging is logged
 * and left alone: the level is a preference, not a transaction.
 */
@Injectable()
export class LoggingMethod implements AggregateMethod {
  readonly methods = ['logging/setLevel'];

  constructor(
    private readonly directory: UpstreamCache,
    private readonly access: UpstreamAccess,
    private readonly refreshing: RefreshingCaller,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async handle(exchange: AggregateExchange): Promise<AggregateAnswer> {
    const params = paramsOf(exchange);
    if (typeof params.level !== 'string' || !LEVELS.has(params.level)) {
      return {
        status: 200,
        body: {
          jsonrpc: '2.0',
          id: exchange.requestId,
          error: { code: -32602, message: `level must be one of ${[...LEVELS].join(', ')}` },
        },
      };
    }
    await Promise.all(
      this.directory
        .list()
        .filter((upstream) => upstream.enabled)
        .map(async (upstream) => {
          try {
            const grant = await this.access.grantForList(exchange, upstream, 'logging/setLevel');
            if (grant !== undefined) {
              await this.refreshing.send(
                exchange,
                upstream,
                { jsonrpc: '2.0', id: exchange.requestId, method: 'logging/setLevel', params },
                grant,
                { timeoutMs: 5000 },
              );
            }
          } catch (error) {
            this.logger.warn(
              {
                // A refused refresh carries the user's connect remedy: its code is enough here.
                err: error instanceof GatewayError ? error.code : error,
                upstream: upstream.name,
                correlation_id: exchange.request.id,
              },
              'logging/setLevel not delivered to an upstream',
            );
          }
        }),
    );
    return result(exchange.requestId, {});
  }
}
