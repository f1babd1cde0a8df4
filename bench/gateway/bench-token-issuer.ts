import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';

/**
 * A stand-in external IdP for the JWT variants: an ES256 key, its JWKS served on loopback, and
 * RFC 9068 access tokens (`typ: at+jwt`) for whichever audience a variant expects. Runs in the
 * orchestrator (core of the load generator): it is hit once per verifier for the keys.
 */
export class BenchTokenIssuer {
  static readonly SCOPE = 'mcp:tools:read mcp:tools:execute';
  private static readonly KID = 'bench-1';

  private constructor(
    private readonly server: Server,
    private readonly privateKey: CryptoKey,
    readonly issuer: string,
  ) {}

  get jwksUri(): string {
    return `${this.issuer}/jwks.json`;
  }

  static async start(): Promise<BenchTokenIssuer> {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwks = JSON.stringify({
      keys: [
        { ...(await exportJWK(publicKey)), kid: BenchTokenIssuer.KID, alg: 'ES256', use: 'sig' },
      ],
    });
    const server = createServer((req, res) => {
      if (req.url === '/jwks.json') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new BenchTokenIssuer(server, privateKey, `http://127.0.0.1:${port}`);
  }

  /** A token valid for two hours: longer than any run, so no variant re-verifies a new one. */
  sign(audience: string): Promise<string> {
    return new SignJWT({ scope: BenchTokenIssuer.SCOPE, client_id: 'bench-client' })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: BenchTokenIssuer.KID })
      .setIssuer(this.issuer)
      .setAudience(audience)
      .setSubject('bench-user')
      .setIssuedAt()
      .setExpirationTime('2h')
      .setJti(crypto.randomUUID())
      .sign(this.privateKey);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
