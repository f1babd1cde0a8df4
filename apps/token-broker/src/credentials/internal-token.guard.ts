import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG, type TokenBrokerConfig } from '@app/config';
import { AdminApiError } from '../admin/http/admin-api.error';
import { bearerMatches } from '../admin/http/admin-token';

/** `Authorization: Bearer <INTERNAL_API_TOKEN>` (the gateway), compared in constant time. */
@Injectable()
export class InternalTokenGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly config: TokenBrokerConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization;
    if (!bearerMatches(header, this.config.INTERNAL_API_TOKEN)) {
      throw new AdminApiError('unauthorized', 'a valid internal API token is required');
    }
    return true;
  }
}
