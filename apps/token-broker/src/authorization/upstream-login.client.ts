import * as oidc from 'openid-client';
import type { TokenBrokerConfig } from '@app/config';

/** Who logged in at the upstream IdP. */
export interface UpstreamIdentity {
  issuer: string;
  subject: string;
  email: string | null;
  /** Whether the IdP vouches for the email: only then may it grant anything (AS_ADMIN_EMAILS). */
  emailVerified: boolean;
  name: string | null;
}

/** What the login start keeps (server side) until the callback. */
export interface UpstreamLoginStart {
  url: URL;
  codeVerifier: string;
  nonce: string;
}

export class UpstreamLoginError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UpstreamLoginError';
  }
}

const GITHUB = {
  issuer: 'https://github.com',
  authorization_endpoint: 'https://github.com/login/oauth/authorize',
  token_endpoint: 'https://github.com/login/oauth/access_token',
};
const GITHUB_USER = 'https://api.github.com/user';
const GITHUB_EMAILS = 'https://api.github.com/user/emails';

/**
 * The broker as an OAuth client of the IdP its users log in at: any OpenID Provider (discovery,
 * ID token with nonce checked by openid-client) or GitHub (OAuth 2 plus its user API). PKCE S256
 * and `state` on every request; the callback is exact-matched by openid-client.
 */
export class UpstreamLoginClient {
  private configuration?: Promise<oidc.Configuration>;

  constructor(
    private readonly settings: {
      kind: 'oidc' | 'github';
      issuer: string;
      clientId: string;
      clientSecret: string | undefined;
      scopes: string;
      redirectUri: string;
    },
  ) {}

  static fromConfig(
    config: TokenBrokerConfig,
    demoIssuer: string | undefined,
    redirectUri: string,
  ) {
    if (config.LOGIN_IDP_CLIENT_ID !== undefined) {
      return new UpstreamLoginClient({
        kind: config.LOGIN_IDP_KIND,
        issuer: config.LOGIN_IDP_KIND === 'github' ? GITHUB.issuer : config.LOGIN_IDP_ISSUER!,
        clientId: config.LOGIN_IDP_CLIENT_ID,
        clientSecret: config.LOGIN_IDP_CLIENT_SECRET,
        scopes:
          config.LOGIN_IDP_SCOPES ??
          (config.LOGIN_IDP_KIND === 'github' ? 'read:user user:email' : 'openid email profile'),
        redirectUri,
      });
    }
    if (demoIssuer !== undefined) {
      return new UpstreamLoginClient({
        kind: 'oidc',
        issuer: demoIssuer,
        clientId: DEMO_LOGIN_CLIENT_ID,
        clientSecret: undefined,
        scopes: 'openid email profile',
        redirectUri,
      });
    }
    return undefined;
  }

  /**
   * @param options.forceLogin the client asked for `prompt=login` (or `max_age=0`): the IdP must
   *   authenticate the user again, not answer from its session
   * @param options.maxAge the client's `max_age`: passed on, and `auth_time` checked at the end
   */
  async start(
    state: string,
    options: { forceLogin?: boolean; maxAge?: number } = {},
  ): Promise<UpstreamLoginStart> {
    const configuration = await this.config();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const nonce = oidc.randomNonce();
    const parameters: Record<string, string> = {
      redirect_uri: this.settings.redirectUri,
      scope: this.settings.scopes,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
    };
    if (this.settings.kind === 'oidc') {
      parameters.nonce = nonce;
      // A forced login is also max_age=0: the IdP must then return auth_time, and openid-client
      // refuses an answer whose authentication is not fresh (not just a session replayed).
      const maxAge = options.forceLogin === true ? 0 : options.maxAge;
      if (maxAge !== undefined) {
        parameters.max_age = String(maxAge);
      }
    }
    if (options.forceLogin === true) {
      parameters.prompt = 'login';
    }
    return { url: oidc.buildAuthorizationUrl(configuration, parameters), codeVerifier, nonce };
  }

  /** Exchanges the code of the callback URL; throws UpstreamLoginError on any failure. */
  async finish(
    callbackUrl: URL,
    checks: { state: string; codeVerifier: string; nonce: string; maxAge?: number },
  ): Promise<UpstreamIdentity> {
    const configuration = await this.config();
    try {
      const tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        ...(this.settings.kind === 'oidc'
          ? {
              expectedNonce: checks.nonce,
              idTokenExpected: true,
              ...(checks.maxAge === undefined ? {} : { maxAge: checks.maxAge }),
            }
          : {}),
      });
      if (this.settings.kind === 'github') {
        return await this.githubIdentity(tokens.access_token);
      }
      const claims: Record<string, unknown> = { ...tokens.claims()! };
      // Many providers keep profile claims out of the ID token of a code flow (OIDC Core §5.4):
      // ask the userinfo endpoint, which must name the same subject.
      if (
        (typeof claims.email !== 'string' || typeof claims.name !== 'string') &&
        configuration.serverMetadata().userinfo_endpoint !== undefined
      ) {
        Object.assign(
          claims,
          await oidc.fetchUserInfo(configuration, tokens.access_token, claims.sub as string),
          { iss: claims.iss, sub: claims.sub },
        );
      }
      return {
        issuer: claims.iss as string,
        subject: claims.sub as string,
        email: typeof claims.email === 'string' ? claims.email : null,
        emailVerified: typeof claims.email === 'string' && claims.email_verified === true,
        name: typeof claims.name === 'string' ? claims.name : null,
      };
    } catch (error) {
      if (error instanceof UpstreamLoginError) {
        throw error;
      }
      throw new UpstreamLoginError('the identity provider did not complete the login', {
        cause: error,
      });
    }
  }

  private async githubIdentity(accessToken: string): Promise<UpstreamIdentity> {
    const user = (await this.github(GITHUB_USER, accessToken)) as {
      id?: unknown;
      login?: unknown;
      name?: unknown;
    };
    if (typeof user.id !== 'number' && typeof user.id !== 'string') {
      throw new UpstreamLoginError('GitHub user lookup returned no id');
    }
    // The public profile email is whatever the user typed; the primary verified address is not.
    const emails = (await this.github(GITHUB_EMAILS, accessToken).catch(() => [])) as Array<{
      email?: unknown;
      primary?: unknown;
      verified?: unknown;
    }>;
    const primary = Array.isArray(emails)
      ? emails.find((e) => e.primary === true && e.verified === true && typeof e.email === 'string')
      : undefined;
    return {
      issuer: GITHUB.issuer,
      subject: String(user.id),
      email: primary === undefined ? null : (primary.email as string),
      emailVerified: primary !== undefined,
      name:
        typeof user.name === 'string'
          ? user.name
          : typeof user.login === 'string'
            ? user.login
            : null,
    };
  }

  private async github(url: string, accessToken: string): Promise<unknown> {
    const response = await fetch(url, {
      headers: {
        authorization: `Bearer ${accessToken}`,
        accept: 'application/vnd.github+json',
        'user-agent': 'mcp-auth-gateway',
      },
      redirect: 'error',
      signal: AbortSignal.timeout(5000),
    });
    if (!response.ok) {
      throw new UpstreamLoginError(
        `GitHub ${new URL(url).pathname} answered HTTP ${response.status}`,
      );
    }
    return response.json();
  }

  private config(): Promise<oidc.Configuration> {
    this.configuration ??= this.discover().catch((error: unknown) => {
      // Not cached: the next login tries again (the IdP may have been down).
      this.configuration = undefined;
      throw new UpstreamLoginError('the identity provider could not be reached', { cause: error });
    });
    return this.configuration;
  }

  private async discover(): Promise<oidc.Configuration> {
    const { kind, issuer, clientId, clientSecret } = this.settings;
    const auth = clientSecret === undefined ? oidc.None() : oidc.ClientSecretBasic(clientSecret);
    const insecure = new URL(issuer).protocol === 'http:';
    if (kind === 'github') {
      return new oidc.Configuration(
        GITHUB,
        clientId,
        clientSecret,
        oidc.ClientSecretPost(clientSecret),
      );
    }
    return oidc.discovery(new URL(issuer), clientId, undefined, auth, {
      timeout: 5,
      ...(insecure ? { execute: [oidc.allowInsecureRequests] } : {}),
    });
  }
}

/** The client id the broker uses at its own demo IdP. */
export const DEMO_LOGIN_CLIENT_ID = 'mcp-auth-gateway';
