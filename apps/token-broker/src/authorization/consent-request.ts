import type { TokenBrokerConfig } from '@app/config';
import { isLoopbackHost } from '@app/crypto';
import { ADMIN_SCOPES, defaultGatewayResource, MCP_SCOPES } from '@app/gateway-contract';
import type { UserRecord } from '@app/persistence';
import type { AuthorizationServer } from './authorization-server';
import { OIDC_SCOPES } from './scopes';

export type InteractionDetails = Awaited<
  ReturnType<AuthorizationServer['provider']['interactionDetails']>
>;

/** An authorization request as the consent page and the grant see it. */
export interface ConsentRequest {
  clientId: string;
  clientName: string | undefined;
  clientSource: 'registered' | 'metadata_document';
  scopes: string[];
  /** The resources (audiences) asked for; the gateway's aggregated endpoint when none. */
  resources: string[];
  redirectHost: string;
  loopbackRedirect: boolean;
}

const SUPPORTED_SCOPES = new Set([...Object.keys(MCP_SCOPES), ...Object.keys(OIDC_SCOPES)]);

export async function describeRequest(
  details: InteractionDetails,
  server: AuthorizationServer,
  config: TokenBrokerConfig,
): Promise<ConsentRequest> {
  const params = details.params as Record<string, unknown>;
  const clientId = String(params.client_id);
  const client = await server.provider.Client.find(clientId);
  const requested = String(params.scope ?? '')
    .split(' ')
    .filter((scope) => SUPPORTED_SCOPES.has(scope));
  const resourceParam = params.resource;
  const resources =
    resourceParam === undefined
      ? [defaultGatewayResource(config.GATEWAY_PUBLIC_URL)]
      : ([] as string[]).concat(resourceParam as string | string[]);
  const redirectUri = String(params.redirect_uri ?? '');
  let redirectHost = redirectUri;
  let loopbackRedirect = false;
  try {
    const parsed = new URL(redirectUri);
    redirectHost = parsed.host === '' ? parsed.protocol : parsed.host;
    loopbackRedirect = isLoopbackHost(parsed.hostname);
  } catch {
    // the engine validated it already; shown as given
  }
  return {
    clientId,
    clientName: typeof client?.clientName === 'string' ? client.clientName : undefined,
    clientSource: /^https:\/\//.test(clientId) ? 'metadata_document' : 'registered',
    scopes: [...new Set(requested)],
    resources,
    redirectHost,
    loopbackRedirect,
  };
}

/** The `prompt` values of the authorization request. */
export function promptValues(details: InteractionDetails): Set<string> {
  const prompt = (details.params as Record<string, unknown>).prompt;
  return new Set(typeof prompt === 'string' ? prompt.split(' ') : []);
}

/** What the client asked of the login: `prompt=login` / `max_age` (OIDC Core §3.1.2.1). */
export function loginOptions(details: InteractionDetails): {
  forceLogin: boolean;
  maxAge?: number;
} {
  const raw = (details.params as Record<string, unknown>).max_age;
  const maxAge = typeof raw === 'string' && /^\d{1,9}$/.test(raw) ? Number(raw) : undefined;
  return {
    forceLogin: promptValues(details).has('login') || maxAge === 0,
    ...(maxAge === undefined ? {} : { maxAge }),
  };
}

/** Admin scopes only for users listed in AS_ADMIN_EMAILS. */
export function allowedScopes(user: UserRecord, scopes: string[], config: TokenBrokerConfig) {
  // Only an email the IdP verified counts: anyone can type an administrator's address. The set
  // holds lower-cased addresses (parsed once by the config schema).
  const admin =
    user.email !== null &&
    user.emailVerified &&
    config.AS_ADMIN_EMAILS.has(user.email.toLowerCase());
  return scopes.filter((scope) => admin || !ADMIN_SCOPES.has(scope));
}
