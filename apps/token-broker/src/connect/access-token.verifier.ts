import { Inject, Injectable } from '@nestjs/common';
import { createLocalJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { APP_CONFIG, type TokenBrokerConfig } from '@app/config';
import { SigningKeyStore } from '@app/vault';
import { isGatewayResource } from '../authorization/gateway-resource';

const KEYS_TTL_MS = 60_000;

/**
 * Verifies the access tokens our authorization server issues (ES256 `at+jwt`, our issuer, an
 * audience under the gateway, not expired), for the broker's own JSON endpoints that act for a
 * user (`/mcp/auth/*`). Keys are re-read from the signing-key store at most once a minute, and at
 * once when a token names an unknown key (rotation).
 */
@Injectable()
export class AccessTokenVerifier {
  private keys?: { jwks: ReturnType<typeof createLocalJWKSet>; kids: Set<string>; at: number };

  constructor(
    @Inject(APP_CONFIG) private readonly config: TokenBrokerConfig,
    private readonly signingKeys: SigningKeyStore,
  ) {}

  /** The token's subject, or undefined for any token we did not issue or that is not valid now. */
  async subject(token: string): Promise<string | undefined> {
    try {
      const { payload } = await jwtVerify(token, await this.jwks(kidOf(token)), {
        issuer: this.config.BROKER_PUBLIC_URL,
        typ: 'at+jwt',
        algorithms: ['ES256'],
      });
      return this.audienceOk(payload) && typeof payload.sub === 'string' ? payload.sub : undefined;
    } catch {
      return undefined;
    }
  }

  private audienceOk(payload: JWTPayload): boolean {
    const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    return audiences.some(
      (aud) => typeof aud === 'string' && isGatewayResource(aud, this.config.GATEWAY_PUBLIC_URL),
    );
  }

  private async jwks(kid: string | undefined): Promise<ReturnType<typeof createLocalJWKSet>> {
    const stale = this.keys === undefined || Date.now() - this.keys.at > KEYS_TTL_MS;
    // An unknown key id re-reads at most every few seconds: made-up kids cannot hammer the database.
    const unknownKid =
      kid !== undefined &&
      this.keys !== undefined &&
      !this.keys.kids.has(kid) &&
      Date.now() - this.keys.at > 5000;
    if (stale || unknownKid) {
      const set = await this.signingKeys.publicJwks();
      this.keys = {
        jwks: createLocalJWKSet(set),
        kids: new Set(set.keys.map((key) => String(key.kid))),
        at: Date.now(),
      };
    }
    return this.keys!.jwks;
  }
}

function kidOf(token: string): string | undefined {
  try {
    const header = JSON.parse(
      Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8'),
    ) as {
      kid?: unknown;
    };
    return typeof header.kid === 'string' ? header.kid : undefined;
  } catch {
    return undefined;
  }
}
