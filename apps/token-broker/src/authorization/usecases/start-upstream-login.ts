import type { PageOutcome } from '../../public/http/page-outcome';
import { type InteractionDetails, loginOptions } from '../consent-request';
import type { InteractionEngine, RawExchange } from '../interaction-engine';
import type { RequestCookies } from '../signed-cookie';
import { signedOut, type UpstreamLogins } from '../upstream-logins.service';

/** Consent is settled before anything is sent to the IdP: now the login there (SPEC-MUST 27). */
export async function startUpstreamLogin(
  deps: { logins: UpstreamLogins; engine: InteractionEngine },
  input: {
    raw: RawExchange;
    cookies: RequestCookies;
    details: InteractionDetails;
    clientId: string;
    consented: boolean;
  },
): Promise<PageOutcome> {
  const requested = loginOptions(input.details);
  const forceLogin = requested.forceLogin || signedOut(input.cookies);
  // What the IdP's answer must prove: a fresh login when forced, else the client's max_age.
  const maxAge = forceLogin ? 0 : requested.maxAge;
  const started = await deps.logins.startForInteraction(
    {
      kind: 'interaction',
      uid: input.details.uid,
      clientId: input.clientId,
      consented: input.consented,
      ...(maxAge === undefined ? {} : { maxAge }),
    },
    forceLogin,
  );
  if ('unavailable' in started) {
    return deps.engine.fail(input.raw, 'temporarily_unavailable', started.unavailable);
  }
  return { kind: 'redirect', location: started.url };
}
