import { Injectable } from '@nestjs/common';
import { Authenticator } from 'passport';
import CustomStrategy from 'passport-custom';
import { GatewayError } from '../http/gateway-error';
import { ApiKeyVerifier } from './api-key.verifier';
import { BearerTokenVerifier } from './bearer-token.verifier';
import type { InboundCredential } from './inbound-credential';
import type { Principal } from './principal';

/** What passport strategies receive: the credential the extract step found, nothing else of the request. */
interface StrategyInput {
  credential: InboundCredential;
}

const STRATEGY: Record<InboundCredential['scheme'], string> = {
  bearer: 'mcp-bearer-jwt',
  api_key: 'mcp-api-key',
};

/**
 * Inbound authentication through passport, as the project's user asked: one strategy per scheme
 * (bearer JWT, API key), each a thin adapter over a verifier that holds the rules. The pipeline
 * step names the strategy from the extracted credential, so passport never guesses the scheme.
 * A private `Authenticator` (not passport's global singleton), no sessions.
 */
@Injectable()
export class InboundAuthenticator {
  private readonly passport = new Authenticator();

  constructor(bearer: BearerTokenVerifier, apiKeys: ApiKeyVerifier) {
    this.passport.use(
      STRATEGY.bearer,
      adapter((c) => c.scheme === 'bearer' && bearer.verify(c.token)),
    );
    this.passport.use(
      STRATEGY.api_key,
      adapter((c) => c.scheme === 'api_key' && apiKeys.verify(c.key)),
    );
  }

  authenticate(credential: InboundCredential): Promise<Principal> {
    return new Promise((resolve, reject) => {
      const input: StrategyInput = { credential };
      const middleware = this.passport.authenticate(
        STRATEGY[credential.scheme],
        { session: false, failWithError: false },
        (error: unknown, user: Principal | false, info: unknown) => {
          if (error) {
            reject(error);
          } else if (user === false) {
            reject(
              info instanceof GatewayError
                ? info
                : new GatewayError('invalid_token', 'the credential is not valid'),
            );
          } else {
            resolve(user);
          }
        },
      ) as (req: unknown, res: unknown, next: (error?: unknown) => void) => void;
      middleware(input, {}, reject);
    });
  }
}

/** A passport-custom strategy over `verify`: a GatewayError fails authentication, anything else errors. */
function adapter(
  verify: (credential: InboundCredential) => Promise<Principal> | false,
): InstanceType<typeof CustomStrategy> {
  return new CustomStrategy((req, done) => {
    const pending = verify((req as unknown as StrategyInput).credential);
    if (pending === false) {
      done(null, false);
      return;
    }
    pending.then(
      (principal) => done(null, principal),
      (error: unknown) =>
        error instanceof GatewayError && error.code === 'invalid_token'
          ? done(null, false, error)
          : done(error),
    );
  });
}
