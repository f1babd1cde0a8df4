import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG, type TokenBrokerConfig } from '@app/config';
import { constantTimeEqual } from '@app/crypto';
import { AdminApiError } from './admin-api.error';

/** `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time; anything else is a 401. */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly config: TokenBrokerConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest & { adminActor?: string }>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer ([^\s]+)$/i.exec(header) : null;
    if (!match || !constantTimeEqual(match[1], this.config.ADMIN_TOKEN)) {
      throw new AdminApiError('unauthorized', 'a valid admin bearer token is required');
    }
    request.adminActor = 'admin-token';
    return true;
  }
}
