import { Inject, Injectable } from '@nestjs/common';
import { createRemoteJWKSet, decodeJwt, errors, type JWTPayload, jwtVerify } from 'jose';
import { APP_CONFIG, type GatewayConfig, type TrustedIssuer } from '@app/config';
import { sha256Hex } from '@app/crypto';
import { accessTokenVerifyOptions, grantedScopes, tokenAudiences } from '@app/gateway-contract';
import { GatewayError } from '../http/gateway-error';
import { BoundedCache } from './bounded-cache';
import type { Principal } from './principal';

interface Issuer {
  issuer: string;
  keys: ReturnType<typeof createRemoteJWKSet>;
  algorithms: string[];
  /** `at+jwt` for ours (RFC 9068); external IdPs type their tokens differently or not at all. */
  typ: string | undefined;
  subjectClaim: string;
  /** The audience this issuer's tokens must carry, when it is not the route's resource. */
  audience: string | undefined;
  /** Our broker's users are known to it by `sub`; an external issuer's as `<issuer>|<sub>`. */
  ours: boolean;
}

const CACHE_MAX = 10_000;
const JWKS_TIMEOUT_MS = 5000;
const JWKS_COOLDOWN_MS = 30_000;

/**
 * SPEC-MUST 4: a bearer token is accepted only when signed by a key of a known issuer (ours, or a
 * configured trusted issuer), with an allowed asymmetric algorithm (`alg: none` and HMAC never),
 * unexpired, with a subject. Anything else is `invalid_token`. Verified tokens are cached by the
 * SHA-256 of the token until their `exp`, so the hot path verifies each token once.
 * The audience is checked by the next step (check-audience), against the route.
 */
@Injectable()
export class BearerTokenVerifier {
  private readonly issuers = new Map<string, Issuer>();
  private readonly cache = new BoundedCache<Principal>(CACHE_MAX);

  constructor(@Inject(APP_CONFIG) config: GatewayConfig) {
    const ours = accessTokenVerifyOptions(config.BROKER_PUBLIC_URL);
    this.issuers.set(ours.issuer, {
      issuer: ours.issuer,
      keys: remoteKeys(config.BROKER_JWKS_URL ?? `${config.BROKER_PUBLIC_URL}/jwks`),
      algorithms: ours.algorithms,
      typ: ours.typ,
      subjectClaim: 'sub',
      audience: undefined,
      ours: true,
    });
    for (const trusted of config.GATEWAY_TRUSTED_ISSUERS) {
      this.issuers.set(trusted.issuer, externalIssuer(trusted));
    }
  }

  async verify(token: string): Promise<Principal> {
    const cacheKey = sha256Hex(token);
    const cached = this.cache.get(cacheKey);
    if (cached !== undefined) {
      return cached;
    }
    const issuer = this.issuers.get(unverifiedIssuer(token));
    if (issuer === undefined) {
      throw new GatewayError('invalid_token', 'the token is not from a trusted issuer');
    }
    const payload = await this.check(token, issuer);
    const subject = payload[issuer.subjectClaim];
    if (typeof subject !== 'string' || subject === '' || typeof payload.exp !== 'number') {
      throw new GatewayError('invalid_token', 'the token has no subject or no expiry');
    }
    const principal: Principal = {
      key: `${issuer.issuer}|${subject}`,
      subject: issuer.ours ? subject : `${issuer.issuer}|${subject}`,
      kind: 'bearer',
      scopes: scopesOf(payload),
      audiences:
        issuer.audience === undefined ? tokenAudiences(payload) : audiencesFor(payload, issuer),
      expiresAt: payload.exp * 1000,
    };
    const clientId = payload.client_id ?? payload.azp;
    if (typeof clientId === 'string') {
      principal.clientId = clientId;
    }
    this.cache.set(cacheKey, principal, principal.expiresAt!);
    return principal;
  }

  private async check(token: string, issuer: Issuer): Promise<JWTPayload> {
    try {
      const { payload } = await jwtVerify(token, issuer.keys, {
        issuer: issuer.issuer,
        algorithms: issuer.algorithms,
        ...(issuer.typ !== undefined ? { typ: issuer.typ } : {}),
      });
      return payload;
    } catch (error) {
      if (error instanceof errors.JWTExpired) {
        throw new GatewayError('invalid_token', 'the token has expired');
      }
      if (error instanceof errors.JWKSTimeout || isFetchFailure(error)) {
        // Not the client's fault, but no key means no verification: refuse, and say so in the log.
        throw new GatewayError('invalid_token', 'the token could not be verified', {
          cause: error,
        });
      }
      throw new GatewayError('invalid_token', 'the token is not valid');
    }
  }
}

function remoteKeys(url: string): ReturnType<typeof createRemoteJWKSet> {
  return createRemoteJWKSet(new URL(url), {
    timeoutDuration: JWKS_TIMEOUT_MS,
    cooldownDuration: JWKS_COOLDOWN_MS,
  });
}

function externalIssuer(trusted: TrustedIssuer): Issuer {
  return {
    issuer: trusted.issuer,
    keys: remoteKeys(trusted.jwks_uri),
    algorithms: trusted.algorithms,
    typ: undefined,
    subjectClaim: trusted.subject_claim,
    audience: trusted.audience,
    ours: false,
  };
}

function unverifiedIssuer(token: string): string {
  try {
    const { iss } = decodeJwt(token);
    return typeof iss === 'string' ? iss : '';
  } catch {
    return '';
  }
}

/** `scope` (RFC 9068, space-separated) or `scp` (Entra ID: a string; some IdPs: an array). */
function scopesOf(payload: JWTPayload): ReadonlySet<string> {
  const scp = payload.scp;
  if (typeof payload.scope !== 'string' && (typeof scp === 'string' || Array.isArray(scp))) {
    const list =
      typeof scp === 'string' ? scp.split(' ') : scp.filter((s) => typeof s === 'string');
    return new Set(list.filter((s) => s !== ''));
  }
  return grantedScopes(payload);
}

/** A trusted issuer with a configured audience names the gateway as a whole: every route accepts it. */
function audiencesFor(payload: JWTPayload, issuer: Issuer): string[] {
  return tokenAudiences(payload).includes(issuer.audience!) ? ['*'] : [];
}

function isFetchFailure(error: unknown): boolean {
  return error instanceof TypeError || (error instanceof Error && error.name === 'AbortError');
}
