import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import { BrowserAgent } from './browser-agent';
import { authorizeInBrowser } from './oauth-flow';

/** Where the MCP client "listens" for the authorization response (never fetched). */
export const MCP_CLIENT_REDIRECT = 'http://127.0.0.1:9999/callback';

/**
 * An SDK `OAuthClientProvider` (v1 shape; the v2 interface is a superset of what it uses) that
 * keeps everything in memory and plays the user's browser itself: `redirectToAuthorization` walks
 * the broker's consent page and the demo IdP login with a {@link BrowserAgent} and keeps the
 * redirect back to the client, whose `code` the test hands to `finishAuth`. The browser keeps its
 * broker session, so the same person can later open a connect link.
 */
export class RecordingOAuthClient implements OAuthClientProvider {
  readonly agent = new BrowserAgent();
  /** Every authorization URL the SDK built, in order. */
  readonly authorizationUrls: URL[] = [];
  /** The redirect back to the client of the last walk (code, state, iss). */
  callback: URL | undefined;
  /** What the last walk went through: the consent page, the IdP login. */
  walk: { consentShown: boolean; loginShown: boolean } | undefined;
  private client: OAuthClientInformationMixed | undefined;
  private stored: OAuthTokens | undefined;
  private verifier = '';

  constructor(
    private readonly issuer: string,
    private readonly username: 'demo' | 'demo2' = 'demo',
  ) {}

  get redirectUrl(): string {
    return MCP_CLIENT_REDIRECT;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'gateway-oauth-e2e',
      redirect_uris: [MCP_CLIENT_REDIRECT],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      // A loopback http redirect is a native app's (RFC 8252); the broker checks the pairing.
      application_type: 'native',
    } as OAuthClientMetadata;
  }

  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.client;
  }

  saveClientInformation(information: OAuthClientInformationMixed): void {
    this.client = information;
  }

  tokens(): OAuthTokens | undefined {
    return this.stored;
  }

  saveTokens(tokens: OAuthTokens): void {
    this.stored = tokens;
  }

  /** Replaces the access token the client presents, keeping the refresh token (a stale token). */
  staleAccessToken(value: string): void {
    this.stored = { ...this.stored!, access_token: value };
  }

  async redirectToAuthorization(url: URL): Promise<void> {
    this.authorizationUrls.push(url);
    const {
      client_id: clientId,
      redirect_uri: redirectUri,
      ...rest
    } = Object.fromEntries(url.searchParams);
    const flow = await authorizeInBrowser(
      this.agent,
      this.issuer,
      { clientId: clientId!, redirectUri: redirectUri!, extra: rest },
      { username: this.username },
    );
    this.callback = flow.redirect;
    this.walk = { consentShown: flow.consentShown, loginShown: flow.loginShown };
  }

  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier;
  }

  codeVerifier(): string {
    return this.verifier;
  }
}
