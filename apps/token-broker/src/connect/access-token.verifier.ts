import { Inject, Injectable } from '@nestjs/common';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { APP_CONFIG, type TokenBrokerConfig } from '@app/config';
import {
  accessTokenVerifyOptions,
  grantedScopes,
  isGatewayResource,
  tokenAudiences,
} from '@app/gateway-contract';
import { SigningKeyStore } from '@app/vault';

const KEYS_TTL_MS = 60_000;

export interface VerifiedAccessToken {
  subject: string;
  scopes: ReadonlySet<string>;
}

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

  /**
   * The token's subject and granted scopes, or undefined for any token we did not issue or that
   * is not valid now.
   */
  async verify(token: string): Promise<VerifiedAccessToken | undefined> {
    try {
      const { payload } = await jwtVerify(
        token,
        await this.jwks(kidOf(token)),
        accessTokenVerifyOptions(this.config.BROKER_PUBLIC_URL),
      );
      const audienceOk = tokenAudiences(payload).some((aud) =>
        isGatewayResource(aud, this.config.GATEWAY_PUBLIC_URL),
      );
      if (!audienceOk || typeof payload.sub !== 'string') {
        return undefined;
      }
      return { subject: payload.sub, scopes: grantedScopes(payload) };
    } catch {
      return undefined;
    }
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
    const { kid } = decodeProtectedHeader(token);
    return typeof kid === 'string' ? kid : undefined;
  } catch {
    return undefined;
  }
}
