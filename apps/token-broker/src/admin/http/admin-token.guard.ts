import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG, type TokenBrokerConfig } from '@app/config';
import { AdminApiError } from './admin-api.error';
import { bearerMatches } from '@app/crypto';
import { ADMIN_TOKEN_ACTOR } from './admin-token';

/**
 * `Authorization: Bearer <ADMIN_TOKEN>` on every admin controller. The admin app also rejects
 * unauthenticated /admin/v1 requests in an onRequest hook, before their bodies are parsed; this
 * guard keeps the rule where the routes are, whatever their path.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly config: TokenBrokerConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest & { adminActor?: string }>();
    if (!bearerMatches(request.headers.authorization, this.config.ADMIN_TOKEN)) {
      throw new AdminApiError('unauthorized', 'a valid admin bearer token is required');
    }
    request.adminActor = ADMIN_TOKEN_ACTOR;
    return true;
  }
}
