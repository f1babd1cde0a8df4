import { generateKeyPairSync } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import Provider, { type Configuration } from 'oidc-provider';
import { constantTimeEqual } from '@app/crypto';
import { forwardToEngine } from './forward-to-engine';
import { escapeHtml, PAGE_HEADERS } from './pages';
import { DEMO_LOGIN_CLIENT_ID } from './upstream-login.client';

export const DEMO_IDP_PATH = '/demo-idp';
/** Two users (same password), so switching accounts and per-user consent can be tried. */
export const DEMO_USERS = [
  { sub: 'demo-user', username: 'demo', email: 'demo@example.com', name: 'Demo User' },
  { sub: 'demo-user-2', username: 'demo2', email: 'demo2@example.com', name: 'Second Demo User' },
] as const;
/**
 * The broker as a tool provider's OAuth client (`npm run demo` registers the provider `demo-idp`
 * with it): the connect flow (/connect/start → /connect/callback) against this IdP, so the demo
 * can show an `oauth` policy end to end. Public (PKCE, no secret): nothing to keep in sync between
 * the demo script and the broker.
 */
export const DEMO_CONNECT_CLIENT_ID = 'mcp-auth-gateway-demo-connect';

/**
 * A demo OpenID Provider under /demo-idp on the broker's public listener, so a newcomer can log in
 * without any external account (DEMO_IDP_ENABLED, refused in production). Users `demo` and
 * `demo2`, with the password DEMO_IDP_PASSWORD; in-memory storage; the broker is its only client,
 * twice: for user login and as the demo tool provider's client. Living on the
 * broker's own origin means the browser and the broker reach it at the same URL, in compose too.
 */
export function mountDemoIdp(
  fastify: FastifyInstance,
  options: { brokerPublicUrl: string; password: string; cookieKeys: string[] },
): void {
  const issuer = `${options.brokerPublicUrl}${DEMO_IDP_PATH}`;
  const configuration: Configuration = {
    clients: [
      {
        client_id: DEMO_LOGIN_CLIENT_ID,
        token_endpoint_auth_method: 'none',
        redirect_uris: [`${options.brokerPublicUrl}/login/callback`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        id_token_signed_response_alg: 'ES256',
      },
      {
        client_id: DEMO_CONNECT_CLIENT_ID,
        token_endpoint_auth_method: 'none',
        redirect_uris: [`${options.brokerPublicUrl}/connect/callback`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        id_token_signed_response_alg: 'ES256',
      },
    ],
    scopes: ['openid', 'email', 'profile'],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    pkce: { required: () => true },
    // A key per process: the demo IdP's ID tokens are read once, by the broker, right away.
    jwks: {
      keys: [
        {
          ...(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
            format: 'jwk',
          }) as object),
          alg: 'ES256',
          use: 'sig',
        },
      ] as never,
    },
    enabledJWA: { idTokenSigningAlgValues: ['ES256'] },
    ttl: {
      // The connect client's access token is the tool credential the gateway injects: an hour, so
      // a demo session does not have to reconnect every few minutes (there is no refresh token).
      AccessToken: (_ctx, token) => (token.clientId === DEMO_CONNECT_CLIENT_ID ? 3600 : 300),
      AuthorizationCode: 60,
      IdToken: 300,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
    },
    cookies: {
      keys: options.cookieKeys,
      names: { session: '_demo_session', interaction: '_demo_interaction', resume: '_demo_resume' },
    },
    features: {
      devInteractions: { enabled: false },
      // Switching users: the engine ends the previous session through its logout confirmation.
      rpInitiatedLogout: { enabled: true },
      pushedAuthorizationRequests: { enabled: false },
    },
    interactions: { url: (_ctx, interaction) => `${DEMO_IDP_PATH}/interaction/${interaction.uid}` },
    findAccount: async (_ctx, sub) => {
      const user = DEMO_USERS.find((candidate) => candidate.sub === sub);
      return user === undefined
        ? undefined
        : {
            accountId: sub,
            claims: async () => ({
              sub,
              email: user.email,
              email_verified: true,
              name: user.name,
            }),
          };
    },
  };
  const provider = new Provider(issuer, configuration);
  const callback = provider.callback() as (req: IncomingMessage, res: ServerResponse) => void;

  void fastify.register(
    async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser(
        'application/x-www-form-urlencoded',
        { parseAs: 'string', bodyLimit: 4096 },
        (_req, body, done) => done(null, new URLSearchParams(body as string)),
      );
      scope.get<{ Params: { uid: string } }>('/interaction/:uid', async (request, reply) => {
        const details = await provider
          .interactionDetails(request.raw, reply.raw)
          .catch(() => undefined);
        if (details === undefined || details.uid !== request.params.uid) {
          return reply
            .code(400)
            .headers(PAGE_HEADERS)
            .send('<!DOCTYPE html><p>This demo sign-in expired. Start again.</p>');
        }
        return reply.code(200).headers(PAGE_HEADERS).send(loginPage(details.uid, false));
      });
      scope.post<{ Params: { uid: string }; Body: URLSearchParams }>(
        '/interaction/:uid/login',
        async (request, reply) => {
          const details = await provider
            .interactionDetails(request.raw, reply.raw)
            .catch(() => undefined);
          if (details === undefined || details.uid !== request.params.uid) {
            return reply
              .code(400)
              .headers(PAGE_HEADERS)
              .send('<!DOCTYPE html><p>This demo sign-in expired. Start again.</p>');
          }
          const form =
            request.body instanceof URLSearchParams ? request.body : new URLSearchParams();
          const user = DEMO_USERS.find((candidate) => candidate.username === form.get('username'));
          const ok =
            constantTimeEqual(form.get('password') ?? '', options.password) && user !== undefined;
          if (!ok) {
            return reply.code(401).headers(PAGE_HEADERS).send(loginPage(details.uid, true));
          }
          // Both clients are the broker's own: first-party, so no consent screen here.
          const clientId =
            details.params.client_id === DEMO_CONNECT_CLIENT_ID
              ? DEMO_CONNECT_CLIENT_ID
              : DEMO_LOGIN_CLIENT_ID;
          const grant = new provider.Grant({ accountId: user.sub, clientId });
          grant.addOIDCScope('openid email profile');
          const grantId = await grant.save();
          const target = await provider.interactionResult(
            request.raw,
            reply.raw,
            { login: { accountId: user.sub }, consent: { grantId } },
            { mergeWithLastSubmission: false },
          );
          return reply.code(303).header('location', target).send();
        },
      );
    },
    { prefix: DEMO_IDP_PATH },
  );
  provider.proxy = true; // forwardToEngine sets the issuer's host and scheme
  forwardToEngine(
    fastify,
    [`${DEMO_IDP_PATH}/*`],
    (req, res) => {
      // Mounted under a path: the engine derives its mount path from originalUrl (as under Express).
      (req as IncomingMessage & { originalUrl?: string }).originalUrl = req.url;
      req.url = req.url!.slice(DEMO_IDP_PATH.length) || '/';
      callback(req, res);
    },
    issuer,
  );
}

function loginPage(uid: string, failed: boolean): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Demo IdP sign-in</title>
<style>body{font-family:system-ui,sans-serif;max-width:24rem;margin:3rem auto}label{display:block;margin:.5rem 0}</style></head>
<body><h1>Demo identity provider</h1><p>Sign in as <code>demo</code> or <code>demo2</code> (password from DEMO_IDP_PASSWORD, <code>demo</code> by default).</p>
${failed ? '<p role="alert" id="login-error">Wrong username or password.</p>' : ''}
<form method="post" action="${DEMO_IDP_PATH}/interaction/${escapeHtml(uid)}/login">
<label>Username <input name="username" id="username" autocomplete="username"></label>
<label>Password <input name="password" id="password" type="password" autocomplete="current-password"></label>
<button type="submit" id="sign-in">Sign in</button></form></body></html>`;
}
