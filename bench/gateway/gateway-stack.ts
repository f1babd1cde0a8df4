import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { AdminClient } from './admin-client';
import { deleteRedisKeys, dropDatabase } from './bench-cleanup';
import { benchPolicies, CREDENTIAL_UPSTREAM, SERVICE_ACCOUNT, UPSTREAM } from './bench-policies';
import {
  freePort,
  runToEnd,
  spawnPinned,
  stopProcess,
  waitForHttp,
  type PinnedProcess,
} from './pinned-process';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const DIST = (...parts: string[]) => path.join(ROOT, 'dist', ...parts);

export interface StackOptions {
  label: string;
  policyCount: number;
  upstreamUrl: string;
  postgresUrl: string;
  redisUrl: string;
  /** The load generator's core: the broker is not under test and must not steal the gateway's. */
  loadCore: number;
  sutCore: number;
  trustedIssuer: { issuer: string; jwksUri: string };
  /** More upstreams at `upstreamUrl`, each with an open (`none`) policy (the aggregate bench). */
  extraUpstreams?: readonly string[];
}

const AUDIT_BATCH = 5000;
const secret = () => randomBytes(32).toString('base64url');

/**
 * Variant (b)'s world: a fresh database (migrations applied), a token broker (admin API for the
 * setup, internal API for the gateway's cached API-key and credential answers) and the gateway,
 * configured through the admin API as an operator would. One stack per policy-set size, so the
 * sizes interleave in one run without re-uploading 10,000 policies between rounds.
 */
export class GatewayStack {
  private readonly processes: PinnedProcess[] = [];
  private readonly suffix = randomBytes(5).toString('hex');
  private readonly database = `mcpgw_bench_${this.suffix}`;
  private readonly redisPrefix = `mcpgw-bench-${this.suffix}:`;
  gateway: PinnedProcess | undefined;
  gatewayUrl = '';
  apiKey = '';

  constructor(private readonly options: StackOptions) {}

  /** The resource a token for `upstream` must name (the gateway's transparent route). */
  resource(upstream: string): string {
    return `${this.gatewayUrl}/mcp/${upstream}`;
  }

  async start(): Promise<void> {
    const o = this.options;
    const [brokerPort, adminPort, internalPort, gatewayPort, metricsPort] = await Promise.all(
      [0, 1, 2, 3, 4].map(() => freePort()),
    );
    this.gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    const adminToken = secret();
    const internalToken = secret();
    const common = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      DATABASE_URL: `${o.postgresUrl}/${this.database}`,
      REDIS_URL: o.redisUrl,
      REDIS_KEY_PREFIX: this.redisPrefix,
      INTERNAL_API_TOKEN: internalToken,
      GATEWAY_PUBLIC_URL: this.gatewayUrl,
      BROKER_PUBLIC_URL: `http://127.0.0.1:${brokerPort}`,
      POLICY_POLL_INTERVAL_MS: '60000',
    };
    await runToEnd(
      process.execPath,
      [DIST('libs', 'persistence', 'src', 'cli', 'migrate.js')],
      common,
      'migrate',
    );
    const broker = this.track(
      spawnPinned(
        `${o.label} broker`,
        o.loadCore,
        process.execPath,
        [DIST('apps', 'token-broker', 'src', 'main.js')],
        {
          ...common,
          BROKER_HOST: '127.0.0.1',
          BROKER_PORT: String(brokerPort),
          ADMIN_HOST: '127.0.0.1',
          ADMIN_PORT: String(adminPort),
          INTERNAL_HOST: '127.0.0.1',
          INTERNAL_PORT: String(internalPort),
          ADMIN_TOKEN: adminToken,
          VAULT_KEYS: `k1:${randomBytes(32).toString('base64')}`,
          API_KEY_PEPPER: randomBytes(32).toString('base64'),
          ADMIN_BODY_LIMIT_BYTES: String(16 * 1024 * 1024),
        },
      ),
    );
    await waitForHttp(broker, `${common.BROKER_PUBLIC_URL}/healthz`);
    try {
      await this.configure(new AdminClient(`http://127.0.0.1:${adminPort}`, adminToken));
    } catch (error) {
      // The broker logs the cause just after it answers.
      await new Promise((resolve) => setTimeout(resolve, 500));
      throw new Error(`${(error as Error).message}\nbroker output:\n${broker.output()}`, {
        cause: error,
      });
    }
    this.gateway = this.track(
      spawnPinned(
        `${o.label} gateway`,
        o.sutCore,
        process.execPath,
        [DIST('apps', 'gateway', 'src', 'main.js')],
        {
          ...common,
          GATEWAY_HOST: '127.0.0.1',
          GATEWAY_PORT: String(gatewayPort),
          GATEWAY_METRICS_PORT: String(metricsPort),
          // One principal sends every request: the default limit (600 / 60 s) would answer 429.
          // Off, so the figures stay comparable with earlier runs (a check is one Redis EVALSHA).
          GATEWAY_RATE_LIMIT: JSON.stringify({ enabled: false }),
          BROKER_INTERNAL_URL: `http://127.0.0.1:${internalPort}`,
          GATEWAY_TRUSTED_ISSUERS: JSON.stringify([
            {
              issuer: o.trustedIssuer.issuer,
              jwks_uri: o.trustedIssuer.jwksUri,
              audience: this.resource(UPSTREAM),
              subject_claim: 'sub',
            },
          ]),
        },
      ),
    );
    await waitForHttp(this.gateway, `${this.gatewayUrl}/readyz`);
  }

  private async configure(admin: AdminClient): Promise<void> {
    const extra = this.options.extraUpstreams ?? [];
    for (const name of [UPSTREAM, CREDENTIAL_UPSTREAM, ...extra]) {
      await admin.call('POST', '/admin/v1/upstreams', { name, url: this.options.upstreamUrl });
    }
    await admin.call('POST', '/admin/v1/service-accounts', {
      name: SERVICE_ACCOUNT,
      type: 'static_bearer',
      token: secret(),
    });
    const created = await admin.call('POST', '/admin/v1/api-keys', {
      name: 'bench_key',
      permissions: ['read'],
    });
    this.apiKey = String(created.key);
    // In steps of at most AUDIT_BATCH new policies: the broker writes one audit event per added
    // policy in a single INSERT, and above 8,191 rows that INSERT passes Postgres's 65,535
    // bind-parameter limit (a 500 today). Each step is a whole, valid set.
    const { auth_policies: base } = benchPolicies(this.options.policyCount);
    const all = [
      ...base,
      ...extra.map((name, i) => ({
        name: `${name} tools`,
        match_pattern: `${name}.*`,
        priority: 2_000_000 + i,
        auth_method: { type: 'none' as const },
      })),
    ];
    for (
      let size = Math.min(all.length, AUDIT_BATCH);
      ;
      size = Math.min(all.length, size + AUDIT_BATCH)
    ) {
      await admin.call('PUT', '/admin/v1/policies', { auth_policies: all.slice(0, size) });
      if (size === all.length) {
        break;
      }
    }
  }

  private track(proc: PinnedProcess): PinnedProcess {
    this.processes.push(proc);
    return proc;
  }

  /** Stops its processes, drops its database, deletes its Redis keys; never throws. */
  async close(): Promise<void> {
    for (const proc of this.processes.reverse()) {
      await stopProcess(proc);
    }
    await dropDatabase(this.options.postgresUrl, this.database);
    await deleteRedisKeys(this.options.redisUrl, this.redisPrefix);
  }
}
