import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import type Redis from 'ioredis';
import type { TokenBrokerConfig } from '@app/config';
import type { Vault } from '@app/crypto';
import { AuthorizationServer, ENGINE_ROUTES } from './authorization-server';
import { mountDemoIdp } from './demo-idp';
import type { ConnectPagesController } from '../connect/connect-pages.controller';
import { mountPageRoutes } from '../public/http/page-routes';
import { forwardToEngine } from './forward-to-engine';
import type { InteractionController } from './interaction.controller';

/**
 * The unit a client address is counted by: an IPv4 address (IPv4-mapped IPv6 included), or the
 * /64 of an IPv6 address (one host usually holds a whole /64).
 */
export function clientNetwork(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped !== null) {
    return mapped[1]!;
  }
  if (!ip.includes(':')) {
    return ip;
  }
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = ip.includes('::')
    ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/**
 * Puts the authorization server on the broker's public listener: the engine's endpoints and
 * metadata, the HTML pages (their route table: public/http/page-routes.ts) and the demo IdP when
 * enabled.
 */
export function mountAuthorizationServer(
  fastify: FastifyInstance,
  deps: {
    redis: Redis;
    connect: ConnectPagesController;
    config: TokenBrokerConfig;
    server: AuthorizationServer;
    interactions: InteractionController;
    vault: Vault;
  },
): void {
  const { server } = deps;
  const engine = server.handler();
  forwardToEngine(
    fastify,
    [
      '/.well-known/oauth-authorization-server',
      '/.well-known/openid-configuration',
      ENGINE_ROUTES.authorization,
      `${ENGINE_ROUTES.authorization}/:uid`,
      ENGINE_ROUTES.token,
      ENGINE_ROUTES.jwks,
      ENGINE_ROUTES.revocation,
      ENGINE_ROUTES.introspection,
      ENGINE_ROUTES.userinfo,
      ENGINE_ROUTES.end_session,
      `${ENGINE_ROUTES.end_session}/confirm`,
      `${ENGINE_ROUTES.end_session}/success`,
    ],
    engine,
    deps.config.BROKER_PUBLIC_URL,
  );
  // Open registration (RFC 7591), limited per client address: every registration is a row kept.
  forwardToEngine(
    fastify,
    [ENGINE_ROUTES.registration, `${ENGINE_ROUTES.registration}/:clientId`],
    engine,
    deps.config.BROKER_PUBLIC_URL,
    async (scope) => {
      await scope.register(rateLimit, {
        max: deps.config.AS_REGISTRATIONS_PER_HOUR,
        // Registrations only: a client reading its own record is not counted.
        allowList: (request) => request.method !== 'POST',
        keyGenerator: (request) => clientNetwork(request.ip),
        timeWindow: 3_600_000,
        redis: deps.redis,
        nameSpace: `${deps.config.REDIS_KEY_PREFIX}rate-limit:register:`,
        // Abuse control, not access control: a Redis outage does not stop registrations.
        skipOnError: true,
        errorResponseBuilder: (_request, context) => ({
          statusCode: 429,
          error: 'temporarily_unavailable',
          error_description: `too many client registrations from this address; retry in ${Math.ceil(context.ttl / 1000)} s`,
        }),
      });
      // The limit's answer as built above (OAuth style), not reshaped by the app's error handler.
      scope.setErrorHandler(
        (
          error: Error & { statusCode?: number; error?: string; error_description?: string },
          _request,
          reply,
        ) => {
          const status =
            error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500
              ? error.statusCode
              : 500;
          void reply
            .code(status)
            .header('cache-control', 'no-store')
            .send(
              status === 500
                ? { error: 'server_error', error_description: 'An internal error occurred.' }
                : {
                    error: error.error ?? 'invalid_request',
                    error_description: error.error_description ?? error.message,
                  },
            );
        },
      );
    },
  );
  mountPageRoutes(fastify, deps.interactions, deps.connect);
  if (deps.config.DEMO_IDP_ENABLED) {
    mountDemoIdp(fastify, {
      brokerPublicUrl: deps.config.BROKER_PUBLIC_URL,
      password: deps.config.DEMO_IDP_PASSWORD,
      cookieKeys: deps.vault.deriveKeys('demo-idp-cookies').map((key) => key.toString('base64url')),
    });
  }
}
