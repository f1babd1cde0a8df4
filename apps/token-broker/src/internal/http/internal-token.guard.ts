import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG, type TokenBrokerConfig } from '@app/config';
import { bearerMatches } from '@app/crypto';
import { InternalApiError } from './internal-api.error';

/**
 * `Authorization: Bearer <INTERNAL_API_TOKEN>` (the gateway) on every internal controller. The
 * internal listener checks it before bodies are parsed too; this keeps the rule on the routes.
 */
@Injectable()
export class InternalTokenGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly config: TokenBrokerConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization;
    if (!bearerMatches(header, this.config.INTERNAL_API_TOKEN)) {
      throw new InternalApiError('unauthorized', 'a valid internal API token is required');
    }
    return true;
  }
}
