import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { KeyRing, Vault } from '@app/crypto';
import { buildDataSourceOptions, ConnectionRefreshRepository } from '@app/persistence';
import { MockTokenEndpoint } from '@app/testing';
import { CredentialCache } from '../../apps/gateway/src/credentials/credential.cache';
import { startGateway, type GatewayHarness } from '../support/gateway.harness';
import {
  applyPolicies,
  LEGACY_VERSION,
  mcpCall,
  modernRequest,
  openLegacySession,
  registerUpstream,
} from '../support/mcp-wire';
import {
  seedConnection,
  seedRefreshProvider,
  storedRefreshToken,
} from '../support/refresh-fixture';
import { startTrustedIssuer, type TrustedIssuer } from '../support/trusted-issuer';

/**
 * An upstream that checks the provider token it is given: tokens in `refused` (only on messages
 * of `refusedOn` when it is set), or every token of a `tools/call` with `refuseAll`, get 401 as a
 * resource server would (RFC 6750 §3.1); others reach the fixture.
 */
async function startGuardedUpstream(target: string) {
  const guard = {
    refused: new Set<string>(),
    refuseAll: false,
    refusedOn: undefined as string | undefined,
    seen: [] as string[],
    server: undefined as unknown as Server,
    url: '',
  };
  guard.server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      guard.seen.push(token);
      const text = Buffer.concat(chunks).toString('utf8');
      const call = text.includes('"tools/call"');
      const checked = guard.refusedOn === undefined || text.includes(`"${guard.refusedOn}"`);
      if ((guard.refuseAll && call) || (checked && guard.refused.has(token))) {
        res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
        return;
      }
      const headers: Record<string, string> = {};
      for (const name of [
        'content-type',
        'accept',
        'authorization',
        'mcp-protocol-version',
        'mcp-method',
        'mcp-name',
        'mcp-session-id',
      ]) {
        const value = req.headers[name];
        if (typeof value === 'string') {
          headers[name] = value;
        }
      }
      void fetch(target, {
        method: req.method,
        headers,
        body: req.method === 'POST' ? Buffer.concat(chunks) : undefined,
      })
        .then(async (answer) => {
          const session = answer.headers.get('mcp-session-id');
          res.writeHead(answer.status, {
            'content-type': answer.headers.get('content-type') ?? 'application/json',
            // Legacy sessions pass through (the aggregate opens upstream sessions behind it).
            ...(session !== null ? { 'mcp-session-id': session } : {}),
          });
          res.end(Buffer.from(await answer.arrayBuffer()));
        })
        .catch(() => res.writeHead(502).end());
    });
  });
  await new Promise<void>((resolve) => guard.server.listen(0, '127.0.0.1', resolve));
  guard.url = `http://127.0.0.1:${(guard.server.address() as AddressInfo).port}/mcp`;
  return guard;
}

const METHOD = { type: 'oauth', provider: 'mock', scopes: ['repo'] };
const POLICIES = [
  { name: 'open', match_pattern: '*', priority: 10, auth_method: { type: 'none' } },
  {
    name: 'needs mock',
    match_pattern: 'guarded.whoami_headers',
    priority: 20,
    auth_method: METHOD,
  },
];

describe('issue 10 §2 reactive refresh: an upstream 401 to an injected connection token (RFC 6750 §3.1)', () => {
  let h: GatewayHarness;
  let idp: TrustedIssuer;
  let provider: MockTokenEndpoint;
  let guard: Awaited<ReturnType<typeof startGuardedUpstream>>;
  let ds: DataSource;
  let vault: Vault;
  let providerId: string;
  let token: string;
  let subject: string;

  const whoami = () => {
    const request = modernRequest(7, 'tools/call', { name: 'whoami_headers', arguments: {} });
    return mcpCall(`${h.gatewayUrl}/mcp/guarded`, { token, ...request });
  };
  /** A fresh hour-long connection for the caller, holding a refresh token the provider knows. */
  const connect = async () => {
    const tokens = provider.issue(subject);
    const connection = await seedConnection(ds, vault, providerId, subject, tokens, 3600_000);
    // As a completed connection would announce: the gateway drops what it cached for the user.
    h.gateway.get(CredentialCache).forgetSubject(subject);
    return { connection, tokens };
  };

  beforeAll(async () => {
    idp = await startTrustedIssuer();
    h = await startGateway({
      gateway: {
        GATEWAY_TRUSTED_ISSUERS: JSON.stringify([{ issuer: idp.issuer, jwks_uri: idp.jwksUri }]),
      },
    });
    provider = await new MockTokenEndpoint().start();
    guard = await startGuardedUpstream(h.fixture.url);
    ds = await new DataSource(
      buildDataSourceOptions(h.broker.database.url, { poolSize: 2 }),
    ).initialize();
    vault = new Vault(KeyRing.parse(h.broker.config.VAULT_KEYS));
    providerId = await seedRefreshProvider(ds, vault, provider.url);
    await registerUpstream(h, { name: 'guarded', url: guard.url });
    await applyPolicies(h, POLICIES);
    subject = `${idp.issuer}|alice`;
    token = await idp.sign({
      sub: 'alice',
      aud: `${h.gatewayUrl}/mcp/guarded`,
      scope: 'mcp:tools:read mcp:tools:execute',
    });
  });

  afterAll(async () => {
    await new Promise((resolve) => guard?.server.close(resolve));
    await provider?.stop();
    await ds?.destroy();
    await h?.close();
    await idp?.close();
  });

  beforeEach(() => {
    guard.refused.clear();
    guard.refuseAll = false;
    guard.refusedOn = undefined;
    guard.seen.length = 0;
    h.fixture.clear();
    Object.assign(provider.stats, { refreshes: 0, reuses: 0, injectedErrors: 0, unknown: 0 });
  });

  it('the first token refused: the broker refreshes once and the call is retried once with the new token', async () => {
    const { connection, tokens } = await connect();
    guard.refused.add(tokens.access_token);
    const answer = await whoami();
    expect(answer.status).toBe(200);
    expect(answer.messages[0].error).toBeUndefined();
    expect(provider.stats).toMatchObject({ refreshes: 1, reuses: 0 });
    const stored = (await new ConnectionRefreshRepository(ds).findById(connection.id))!;
    expect(stored.refreshGeneration).toBe(1);
    expect(storedRefreshToken(vault, stored)).toBe(provider.latestOf(subject));
    // Two requests reached the guard: the refused token, then the refreshed one, which the
    // upstream (the fixture's whoami_headers) received in place of the caller's token.
    expect(guard.seen).toHaveLength(2);
    expect(guard.seen[0]).toBe(tokens.access_token);
    expect(guard.seen[1]).not.toBe(tokens.access_token);
    expect(JSON.stringify(answer.messages[0].result)).toContain(guard.seen[1]);
    // The next call uses the refreshed token at once (the refused answer was dropped from the cache).
    guard.seen.length = 0;
    expect((await whoami()).status).toBe(200);
    expect(guard.seen).toEqual([guard.seen[0]]);
    expect(guard.seen[0]).not.toBe(tokens.access_token);
    expect(provider.stats.refreshes).toBe(1);
  });

  it('an upstream that refuses every token: one refresh, one retry, then the auth-required answer (never a bare 401)', async () => {
    await connect();
    guard.refuseAll = true;
    const answer = await whoami();
    expect(answer.status).toBe(200);
    expect(answer.messages[0]).toMatchObject({
      jsonrpc: '2.0',
      id: 7,
      result: {
        resultType: 'input_required',
        inputRequests: {
          'connect-mock': {
            method: 'elicitation/create',
            params: {
              mode: 'url',
              url: expect.stringMatching(new RegExp(`^${h.broker.issuer}/connect/start/`)),
            },
          },
        },
      },
    });
    expect(guard.seen).toHaveLength(2);
    expect(provider.stats.refreshes).toBe(1);
  });

  describe('the aggregated /mcp route (guarded.whoami_headers)', () => {
    let aggregateToken: string;
    beforeAll(async () => {
      aggregateToken = await idp.sign({
        sub: 'alice',
        aud: `${h.gatewayUrl}/mcp`,
        scope: 'mcp:tools:read mcp:tools:execute',
      });
    });

    it('2026-07-28: the refused token is refreshed once and the call retried with the new one', async () => {
      const { tokens } = await connect();
      guard.refused.add(tokens.access_token);
      const request = modernRequest(8, 'tools/call', {
        name: 'guarded.whoami_headers',
        arguments: {},
      });
      const answer = await mcpCall(`${h.gatewayUrl}/mcp`, { token: aggregateToken, ...request });
      expect(answer.status).toBe(200);
      expect(answer.messages[0].error).toBeUndefined();
      expect(guard.seen).toHaveLength(2);
      expect(JSON.stringify(answer.messages[0].result)).toContain(guard.seen[1]);
      expect(provider.stats).toMatchObject({ refreshes: 1, reuses: 0 });
    });

    it('2025-11-25 session: a token refused after the refresh too is the seed auth-required answer (-32001)', async () => {
      await connect();
      const session = await openLegacySession(`${h.gatewayUrl}/mcp`, aggregateToken);
      guard.refuseAll = true;
      guard.seen.length = 0;
      const answer = await mcpCall(`${h.gatewayUrl}/mcp`, {
        token: aggregateToken,
        headers: { 'mcp-session-id': session, 'mcp-protocol-version': LEGACY_VERSION },
        body: {
          jsonrpc: '2.0',
          id: 9,
          method: 'tools/call',
          params: { name: 'guarded.whoami_headers', arguments: {} },
        },
      });
      expect(answer.status).toBe(200);
      expect(answer.messages[0]).toMatchObject({
        id: 9,
        error: { code: -32001, data: { auth_type: 'oauth', provider: 'mock' } },
      });
      expect(provider.stats.refreshes).toBe(1);
    });
  });

  it('a refresh refused by the provider (invalid_grant): the auth-required answer, the connection needs re-auth', async () => {
    const { connection } = await connect();
    guard.refuseAll = true;
    // The provider no longer knows the grant.
    await seedConnection(
      ds,
      vault,
      providerId,
      subject,
      { access_token: 'at_dead', refresh_token: 'rt_dead' },
      3600_000,
    );
    h.gateway.get(CredentialCache).forgetSubject(subject);
    const answer = await whoami();
    expect(answer.messages[0].result).toMatchObject({ resultType: 'input_required' });
    expect(guard.seen).toEqual(['at_dead']);
    expect(provider.stats.unknown).toBe(1);
    expect((await new ConnectionRefreshRepository(ds).findById(connection.id))!.status).toBe(
      'needs_reauth',
    );
  });
  describe('the aggregated /mcp lists: the session opening and the fan-out get the same one retry', () => {
    let aggregateToken: string;
    const toolNames = (answer: { messages: any[] }): string[] =>
      (answer.messages[0].result.tools as { name: string }[]).map((tool) => tool.name);
    const legacyList = (session: string, id: number) =>
      mcpCall(`${h.gatewayUrl}/mcp`, {
        token: aggregateToken,
        headers: { 'mcp-session-id': session, 'mcp-protocol-version': LEGACY_VERSION },
        body: { jsonrpc: '2.0', id, method: 'tools/list' },
      });

    beforeAll(async () => {
      aggregateToken = await idp.sign({
        sub: 'alice',
        aud: `${h.gatewayUrl}/mcp`,
        scope: 'mcp:tools:read mcp:tools:execute',
      });
      // Lists and the upstream session are decided by `guarded._server`: the connection's token.
      await applyPolicies(h, [
        ...POLICIES,
        {
          name: 'guarded server',
          match_pattern: 'guarded._server',
          priority: 30,
          auth_method: METHOD,
        },
      ]);
    });

    afterAll(async () => {
      await applyPolicies(h, POLICIES);
    });

    it("2026-07-28 tools/list: the refused token is refreshed once and the list retried, so the upstream's tools stay listed", async () => {
      const { tokens } = await connect();
      guard.refused.add(tokens.access_token);
      const answer = await mcpCall(`${h.gatewayUrl}/mcp`, {
        token: aggregateToken,
        ...modernRequest(10, 'tools/list'),
      });
      expect(answer.status).toBe(200);
      expect(answer.messages[0].error).toBeUndefined();
      expect(toolNames(answer)).toEqual(
        expect.arrayContaining(['guarded.whoami_headers', 'fixture.whoami_headers']),
      );
      expect(guard.seen).toHaveLength(2);
      expect(guard.seen[0]).toBe(tokens.access_token);
      expect(guard.seen[1]).not.toBe(tokens.access_token);
      expect(provider.stats).toMatchObject({ refreshes: 1, reuses: 0 });
    });

    it('2025-11-25 session: a 401 to the initialize opening the upstream session is retried once with the refreshed token', async () => {
      const { tokens } = await connect();
      const session = await openLegacySession(`${h.gatewayUrl}/mcp`, aggregateToken);
      guard.refused.add(tokens.access_token);
      const answer = await legacyList(session, 11);
      expect(answer.status).toBe(200);
      expect(answer.messages[0].error).toBeUndefined();
      expect(toolNames(answer)).toEqual(
        expect.arrayContaining(['guarded.whoami_headers', 'fixture.whoami_headers']),
      );
      // initialize (refused), then initialize, notifications/initialized and tools/list, refreshed.
      expect(guard.seen).toHaveLength(4);
      expect(guard.seen[0]).toBe(tokens.access_token);
      expect(new Set(guard.seen.slice(1)).size).toBe(1);
      expect(guard.seen[1]).not.toBe(tokens.access_token);
      expect(provider.stats).toMatchObject({ refreshes: 1, reuses: 0 });
      // The session the retry opened is the one recorded: the next list goes straight to tools/list.
      guard.seen.length = 0;
      expect(toolNames(await legacyList(session, 12))).toContain('guarded.whoami_headers');
      expect(guard.seen).toHaveLength(1);
      expect(provider.stats.refreshes).toBe(1);
    });

    it('2025-11-25 session: a 401 to the notifications/initialized after initialize is retried too; the refused session is not kept', async () => {
      const { tokens } = await connect();
      const session = await openLegacySession(`${h.gatewayUrl}/mcp`, aggregateToken);
      guard.refused.add(tokens.access_token);
      guard.refusedOn = 'notifications/initialized';
      const answer = await legacyList(session, 15);
      expect(answer.status).toBe(200);
      expect(toolNames(answer)).toContain('guarded.whoami_headers');
      // initialize (accepted), notifications/initialized (refused); then the session is opened
      // again with the refreshed token and the list goes out on it. (The refused session's
      // best-effort DELETE carries no token.)
      const sent = guard.seen.filter((seen) => seen !== '');
      expect(sent).toHaveLength(5);
      expect(sent.slice(0, 2)).toEqual([tokens.access_token, tokens.access_token]);
      expect(new Set(sent.slice(2)).size).toBe(1);
      expect(sent[2]).not.toBe(tokens.access_token);
      expect(provider.stats).toMatchObject({ refreshes: 1, reuses: 0 });
    });

    it('a refresh the provider refuses: that upstream is left out (token_refused), the list answers with the others, and a call to it is the auth-required answer', async () => {
      await connect();
      // The provider no longer knows the grant.
      await seedConnection(
        ds,
        vault,
        providerId,
        subject,
        { access_token: 'at_dead_list', refresh_token: 'rt_dead_list' },
        3600_000,
      );
      h.gateway.get(CredentialCache).forgetSubject(subject);
      guard.refused.add('at_dead_list');
      const answer = await mcpCall(`${h.gatewayUrl}/mcp`, {
        token: aggregateToken,
        ...modernRequest(13, 'tools/list'),
      });
      expect(answer.status).toBe(200);
      expect(answer.messages[0].error).toBeUndefined();
      const names = toolNames(answer);
      expect(names).toContain('fixture.whoami_headers');
      expect(names.filter((name) => name.startsWith('guarded.'))).toEqual([]);
      expect(guard.seen).toEqual(['at_dead_list']);
      expect(provider.stats.unknown).toBe(1);
      const metrics = await (await fetch(`${h.metricsUrl}/metrics`)).text();
      expect(metrics).toMatch(
        /gateway_aggregate_upstream_skipped_total\{(?=[^}]*upstream="guarded")(?=[^}]*reason="token_refused")[^}]*\} [1-9]/,
      );
      expect(metrics).not.toContain('at_dead_list');

      const call = await mcpCall(`${h.gatewayUrl}/mcp`, {
        token: aggregateToken,
        ...modernRequest(14, 'tools/call', { name: 'guarded.whoami_headers', arguments: {} }),
      });
      expect(call.messages[0].result).toMatchObject({ resultType: 'input_required' });
    });
  });
});
