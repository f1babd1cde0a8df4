import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, exportJWK, generateKeyPair } from 'jose';
import Provider, { errors } from 'oidc-provider';
import { ADMIN_TOKEN, INTERNAL_API_TOKEN, type AdminApiHarness } from './admin-api.harness';
import { BrowserAgent } from './browser-agent';
import { call } from './http';
import { authorizeInBrowser, pkcePair, registerClient, tokenRequest } from './oauth-flow';

export const TOOL_CLIENT_SECRET = 'tool-secret-0123456789abcdef';
/** The API the tool provider issues resource-bound tokens for. */
export const TOOL_RESOURCE = 'https://api.tool.example';
const MCP_CLIENT_CALLBACK = 'http://127.0.0.1:9999/callback';

export interface ToolProvider {
  url: string;
  /** Query of every request its authorization endpoint saw. */
  authorizeRequests: URLSearchParams[];
  /** Form of every request its token endpoint saw. */
  tokenRequests: URLSearchParams[];
  /** The oidc-provider instance (to look up the tokens it issued: `AccessToken.find`, …). */
  provider: Provider;
  close(): Promise<void>;
}

export interface ToolProviderOptions {
  /** `ttl.AccessToken`, in seconds (an hour when omitted). */
  accessTokenTtl?: number;
  /**
   * oidc-provider's `rotateRefreshToken`; `true` rotates on every refresh and revokes the grant
   * when a spent refresh token comes back. Omitted: its default (a confidential client's refresh
   * token is rotated only after 70 % of its lifetime).
   */
  rotateRefreshToken?: boolean;
}

/**
 * oidc-provider as a third-party tool provider (code + PKCE, refresh, device flow) whose user
 * approves at once: the provider's own login is not what the connect tests are about. Its client
 * `tool-app` redirects to the broker's /connect/callback.
 */
export async function startToolProvider(
  brokerIssuer: string,
  options: ToolProviderOptions = {},
): Promise<ToolProvider> {
  const authorizeRequests: URLSearchParams[] = [];
  const tokenRequests: URLSearchParams[] = [];
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.writeHead(503).end();
  };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/auth') {
      authorizeRequests.push(url.searchParams);
    }
    if (url.pathname === '/token') {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => tokenRequests.push(new URLSearchParams(body)));
    }
    handle(req, res);
  });
  // Its issuer is its own URL, so it listens before it is built.
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(url, {
    clients: [
      {
        client_id: 'tool-app',
        client_secret: TOOL_CLIENT_SECRET,
        redirect_uris: [`${brokerIssuer}/connect/callback`],
        grant_types: [
          'authorization_code',
          'refresh_token',
          'urn:ietf:params:oauth:grant-type:device_code',
        ],
        response_types: ['code'],
      },
    ],
    scopes: ['openid', 'repo', 'offline_access'],
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      deviceFlow: { enabled: true },
      // One API behind it, for RFC 8707 tests: tokens for it carry only `repo`.
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => undefined as never,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, resource) => {
          if (resource !== TOOL_RESOURCE) {
            throw new errors.InvalidTarget();
          }
          return { scope: 'repo', audience: TOOL_RESOURCE, accessTokenFormat: 'opaque' };
        },
      },
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    issueRefreshToken: async () => true,
    ...(options.rotateRefreshToken === undefined
      ? {}
      : { rotateRefreshToken: options.rotateRefreshToken }),
    findAccount: async (_ctx, sub) => ({
      accountId: sub,
      claims: async () => ({ sub, name: 'Tool User' }),
    }),
    ttl: {
      AccessToken: options.accessTokenTtl ?? 3600,
      AuthorizationCode: 60,
      Grant: 3600,
      Interaction: 600,
      Session: 3600,
      IdToken: 3600,
      DeviceCode: 600,
    },
    jwks: {
      keys: [
        {
          ...(await exportJWK((await generateKeyPair('RS256', { extractable: true })).privateKey)),
          kid: 'tool',
        },
      ],
    },
  });
  const engine = provider.callback() as (req: IncomingMessage, res: ServerResponse) => void;
  const approve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const details = await provider.interactionDetails(req, res);
    const grant = new provider.Grant({ accountId: 'tool-user-1', clientId: 'tool-app' });
    grant.addOIDCScope(String(details.params.scope ?? 'openid'));
    if (typeof details.params.resource === 'string') {
      grant.addResourceScope(details.params.resource, 'repo');
    }
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: 'tool-user-1' }, consent: { grantId: await grant.save() } },
      { mergeWithLastSubmission: false },
    );
  };
  handle = (req, res) => {
    if (!/^\/interaction\/[^/?]+/.test(req.url ?? '')) {
      engine(req, res);
      return;
    }
    approve(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' });
      }
      res.end(`tool provider interaction failed: ${String(error)}`);
    });
  };
  return {
    url,
    authorizeRequests,
    tokenRequests,
    provider,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Configures the tool provider at the broker as provider `tool` (admin API; `overrides` too). */
export async function registerToolProvider(
  broker: AdminApiHarness,
  tool: ToolProvider,
  overrides: Record<string, unknown> = {},
): Promise<void> {
  const created = await call(broker.baseUrl, 'POST', '/admin/v1/providers', {
    token: ADMIN_TOKEN,
    body: {
      name: 'tool',
      kind: 'oauth2',
      client_id: 'tool-app',
      client_secret: TOOL_CLIENT_SECRET,
      authorization_endpoint: `${tool.url}/auth`,
      token_endpoint: `${tool.url}/token`,
      userinfo_endpoint: `${tool.url}/me`,
      device_authorization_endpoint: `${tool.url}/device/auth`,
      oauth_enabled: true,
      device_code_enabled: true,
      scopes: ['openid', 'repo'],
      ...overrides,
    },
  });
  if (created.status !== 201) {
    throw new Error(`provider not created: ${created.status} ${created.text}`);
  }
}

/**
 * Signs a demo IdP user in through an MCP client's flow (DCR, consent, login) over HTTP; returns
 * the browser, the user's id at the broker and the access token.
 */
export async function signInThroughMcpClient(
  broker: AdminApiHarness & { issuer: string },
  username: 'demo' | 'demo2' = 'demo',
  scope?: string,
  /** RFC 8707 resource to ask for (the token's `aud`); the broker's default when omitted. */
  resource?: string,
): Promise<{ agent: BrowserAgent; subject: string; accessToken: string }> {
  const client = await registerClient(broker.issuer, {
    redirect_uris: [MCP_CLIENT_CALLBACK],
    token_endpoint_auth_method: 'none',
    application_type: 'native',
  });
  const agent = new BrowserAgent();
  const { verifier, challenge } = pkcePair();
  const flow = await authorizeInBrowser(
    agent,
    broker.issuer,
    {
      clientId: client.json.client_id,
      redirectUri: MCP_CLIENT_CALLBACK,
      challenge,
      scope,
      resource,
    },
    { username },
  );
  const token = await tokenRequest(broker.issuer, {
    grant_type: 'authorization_code',
    code: flow.redirect.searchParams.get('code')!,
    redirect_uri: MCP_CLIENT_CALLBACK,
    code_verifier: verifier,
    client_id: client.json.client_id,
    ...(resource === undefined ? {} : { resource }),
  });
  const accessToken = token.json.access_token as string;
  return { agent, subject: decodeJwt(accessToken).sub!, accessToken };
}

/** The demo users are shared by tests: revokes what earlier tests connected (internal API). */
export async function disconnect(broker: AdminApiHarness, subject: string): Promise<void> {
  const listed = await call(
    broker.internalUrl,
    'GET',
    `/internal/v1/connections?subject=${subject}`,
    {
      token: INTERNAL_API_TOKEN,
    },
  );
  for (const connection of listed.json.connections) {
    if (connection.status !== 'revoked') {
      await call(
        broker.internalUrl,
        'DELETE',
        `/internal/v1/connections/${connection.id}?subject=${subject}`,
        { token: INTERNAL_API_TOKEN },
      );
    }
  }
}
