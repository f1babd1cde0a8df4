import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';

export interface TrustedIssuer {
  issuer: string;
  jwksUri: string;
  /** Signs a token as this issuer (ES256, kid `k1`); `header` overrides protected-header fields. */
  sign(
    claims: JWTPayload,
    options?: { expiresIn?: string | number; header?: Record<string, unknown> },
  ): Promise<string>;
  close(): Promise<void>;
}

/** An external IdP as far as the gateway sees one: a JWKS URL and tokens signed with its key. */
export async function startTrustedIssuer(
  issuer = 'https://idp.example.test/realms/main',
): Promise<TrustedIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const jwksUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  return {
    issuer,
    jwksUri,
    sign: (claims, options = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'JWT', ...options.header })
        .setIssuer(issuer)
        .setIssuedAt()
        .setExpirationTime(options.expiresIn ?? '5m')
        .sign(privateKey),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
