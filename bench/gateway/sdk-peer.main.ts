/**
 * Variant (d), the peer a team would write by hand: express, the official SDK v1's
 * `requireBearerAuth` with a verifier that checks the JWT with jose on every request (keys from
 * the issuer's JWKS, fetched once and cached by jose), `express.json()`, and an undici Pool
 * forwarding the parsed body and streaming the answer back. undici rather than fetch: the faster
 * of the two, so the gateway is compared with a strong peer, not a straw man.
 * Arguments: upstream MCP URL, issuer, JWKS URL. Serves POST /mcp/bench; its resource (the `aud`
 * it expects) is http://127.0.0.1:<port>/mcp/bench. Prints `{"listening":<port>}` on stdout.
 */
import express from 'express';
import type { AddressInfo } from 'node:net';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import type { OAuthTokenVerifier } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { Pool } from 'undici';
import { upstreamRequestHeaders } from './forwarded-headers';
import { relayAnswer } from './relay-answer';

const [upstreamArg, issuer, jwksUri] = process.argv.slice(2);
const upstream = new URL(upstreamArg ?? '');
const pool = new Pool(upstream.origin);
const keys = createRemoteJWKSet(new URL(jwksUri ?? ''));

function verifierFor(resource: string): OAuthTokenVerifier {
  return {
    verifyAccessToken: async (token) => {
      try {
        const { payload } = await jwtVerify(token, keys, {
          issuer,
          audience: resource,
          typ: 'at+jwt',
          algorithms: ['ES256'],
        });
        return {
          token,
          clientId: String(payload.client_id ?? payload.sub),
          scopes: typeof payload.scope === 'string' ? payload.scope.split(' ') : [],
          expiresAt: payload.exp,
          resource: new URL(resource),
        };
      } catch (error) {
        throw new InvalidTokenError((error as Error).message);
      }
    },
  };
}

const app = express();
app.disable('x-powered-by');
app.disable('etag');
const server = app.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  const resource = `http://127.0.0.1:${port}/mcp/bench`;
  app.post(
    '/mcp/bench',
    requireBearerAuth({
      verifier: verifierFor(resource),
      requiredScopes: ['mcp:tools:execute'],
      expectedResource: new URL(resource),
      resourceMetadataUrl: `http://127.0.0.1:${port}/.well-known/oauth-protected-resource/mcp/bench`,
    }),
    express.json({ limit: '4mb' }),
    (req, res) => {
      pool
        .request({
          method: 'POST',
          path: upstream.pathname,
          headers: upstreamRequestHeaders(req.headers),
          body: JSON.stringify(req.body),
        })
        .then((answer) => relayAnswer(answer, res))
        .catch(() => {
          if (!res.headersSent) {
            res.status(502).end();
          } else {
            res.destroy();
          }
        });
    },
  );
  process.stdout.write(`${JSON.stringify({ listening: port })}\n`);
});
server.keepAliveTimeout = 60_000;
// Nothing to flush or hand over: a bench child just stops (kept-alive sockets would delay close()).
process.on('SIGTERM', () => process.exit(0));
