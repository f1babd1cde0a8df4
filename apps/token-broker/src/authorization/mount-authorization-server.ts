import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import type Redis from 'ioredis';
import type { TokenBrokerConfig } from '@app/config';
import type { Vault } from '@app/crypto';
import { RedisUnavailableError } from '@app/redis';
import { AuthorizationServer, ENGINE_ROUTES, INTERACTION_PATH } from './authorization-server';
import { mountDemoIdp } from './demo-idp';
import { CONNECT_CALLBACK_PATH, type ConnectPagesService } from '../connect/connect-pages.service';
import { forwardToEngine } from './forward-to-engine';
import { InteractionService, LOGIN_CALLBACK_PATH } from './interaction.service';
import { PAGE_HEADERS, renderMessagePage } from './pages';

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

/** What a page that needs Redis tells the browser while Redis is down. */
const REDIS_RETRY_AFTER_SECONDS = 5;

/** Consent forms are tiny; anything bigger is refused with 413 before it is read. */
const FORM_LIMIT_BYTES = 4096;

/**
 * Puts the authorization server on the broker's public listener: the engine's endpoints and
 * metadata, our interaction pages and the upstream login callback, the user's connection pages
 * (and the demo IdP when enabled).
 */
export function mountAuthorizationServer(
  fastify: FastifyInstance,
  deps: {
    redis: Redis;
    connect: ConnectPagesService;
    config: TokenBrokerConfig;
    server: AuthorizationServer;
    interactions: InteractionService;
    vault: Vault;
  },
): void {
  const { server, interactions } = deps;
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
  void fastify.register(async (scope) => {
    scope.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
      if (error instanceof RedisUnavailableError) {
        request.log.warn({ err: { name: error.name, message: error.message } }, 'page needs redis');
        void reply
          .code(503)
          .headers(PAGE_HEADERS)
          .header('retry-after', String(REDIS_RETRY_AFTER_SECONDS))
          .send(
            renderMessagePage(
              'Temporarily unavailable',
              'The gateway cannot complete this step right now. Try again in a few seconds.',
            ),
          );
        return;
      }
      const status =
        error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500
          ? error.statusCode
          : 500;
      if (status === 500) {
        request.log.error(
          { err: { name: error.name, message: error.message } },
          'interaction failed',
        );
      }
      void reply
        .code(status)
        .headers(PAGE_HEADERS)
        .send(
          renderMessagePage(
            status === 500 ? 'Something went wrong' : 'Request refused',
            status === 500
              ? `The sign-in could not be completed. Reference: ${request.id}`
              : 'The request was not understood. Go back to your application and start again.',
          ),
        );
    });
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: FORM_LIMIT_BYTES },
      (_request, body, done) => done(null, new URLSearchParams(body as string)),
    );
    scope.get<{ Params: { uid: string } }>(`${INTERACTION_PATH}/:uid`, (request, reply) =>
      interactions.show(request, reply, request.params.uid),
    );
    scope.post<{ Params: { uid: string }; Body: unknown }>(
      `${INTERACTION_PATH}/:uid/consent`,
      (request, reply) =>
        interactions.decide(
          request,
          reply,
          request.params.uid,
          request.body instanceof URLSearchParams ? request.body : new URLSearchParams(),
        ),
    );
    scope.get(LOGIN_CALLBACK_PATH, (request, reply) => interactions.callback(request, reply));
    const { connect } = deps;
    scope.get<{ Params: { id: string } }>('/connect/start/:id', (request, reply) =>
      connect.startRequest(request, reply, request.params.id),
    );
    scope.get(CONNECT_CALLBACK_PATH, (request, reply) => connect.callback(request, reply));
    scope.get('/connections', (request, reply) => connect.list(request, reply));
    scope.post<{ Body: unknown }>('/logout', (request, reply) =>
      connect.logout(
        request,
        reply,
        request.body instanceof URLSearchParams ? request.body : new URLSearchParams(),
      ),
    );
    scope.post<{ Params: { id: string }; Body: unknown }>(
      '/connections/:id/revoke',
      (request, reply) =>
        connect.revoke(
          request,
          reply,
          request.params.id,
          request.body instanceof URLSearchParams ? request.body : new URLSearchParams(),
        ),
    );
    scope.get<{ Params: { uid: string } }>(`${INTERACTION_PATH}/:uid/callback`, (request, reply) =>
      interactions.completeLogin(request, reply, request.params.uid),
    );
  });
  if (deps.config.DEMO_IDP_ENABLED) {
    mountDemoIdp(fastify, {
      brokerPublicUrl: deps.config.BROKER_PUBLIC_URL,
      password: deps.config.DEMO_IDP_PASSWORD,
      cookieKeys: deps.vault.deriveKeys('demo-idp-cookies').map((key) => key.toString('base64url')),
    });
  }
}
