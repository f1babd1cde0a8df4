import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MockTokenEndpointOptions {
  /** Delay before each answer, in ms. */
  latencyMs?: number;
  /** Fraction (0–1) of refresh requests answered 503 before anything is consumed. */
  errorRate?: number;
  /** Fraction (0–1) answered 429 with a JSON error body. */
  rateLimitRate?: number;
  /** `expires_in` of issued access tokens, in seconds. */
  expiresIn?: number;
}

export interface MockTokenStats {
  /** Successful refreshes (a new pair issued). */
  refreshes: number;
  /** Refresh tokens presented again after they were used (strict rotation: answered invalid_grant). */
  reuses: number;
  /** Answers 503 / 429 given on purpose. */
  injectedErrors: number;
  /** Requests with an unknown refresh token (never issued). */
  unknown: number;
}

/**
 * A token endpoint with strict refresh-token rotation (RFC 6749 §6, OAuth 2.1 §4.3.1), for the
 * workers' tests and `bench:refresh`: every refresh token works once; presenting it again answers
 * `invalid_grant` and is counted as a reuse (a duplicate refresh by us). It remembers the latest
 * refresh token of each family (one family per seeded connection), so a test can check that every
 * stored refresh token is the latest the provider issued. Latency, 503s and 429s are adjustable
 * while it runs. Plain Node HTTP: nothing else is needed to stand up a provider in a test.
 */
export class MockTokenEndpoint {
  readonly stats: MockTokenStats = { refreshes: 0, reuses: 0, injectedErrors: 0, unknown: 0 };
  /** refresh token → its family and whether it was used. */
  private readonly tokens = new Map<string, { family: string; used: boolean }>();
  private readonly latest = new Map<string, string>();
  private readonly reusedBy = new Map<string, number>();
  private server?: Server;
  url = '';

  constructor(public options: MockTokenEndpointOptions = {}) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/token`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** Issues the first refresh token of a family (what a completed sign-in would have stored). */
  issue(family: string): { access_token: string; refresh_token: string } {
    return { access_token: newToken('at'), refresh_token: this.mint(family) };
  }

  /** The latest refresh token issued to `family`. */
  latestOf(family: string): string | undefined {
    return this.latest.get(family);
  }

  /** How often a used refresh token of `family` was presented again (a burnt grant). */
  reusesOf(family: string): number {
    return this.reusedBy.get(family) ?? 0;
  }

  /** Which family a refresh token belongs to. */
  familyOf(refreshToken: string): string | undefined {
    return this.tokens.get(refreshToken)?.family;
  }

  private mint(family: string): string {
    const token = newToken('rt');
    this.tokens.set(token, { family, used: false });
    this.latest.set(family, token);
    return token;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) {
      chunks.push(chunk as Buffer);
    }
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    if ((this.options.latencyMs ?? 0) > 0) {
      await new Promise((resolve) => setTimeout(resolve, this.options.latencyMs));
    }
    const roll = Math.random();
    if (roll < (this.options.errorRate ?? 0)) {
      this.stats.injectedErrors++;
      return send(res, 503, { error: 'temporarily_unavailable' });
    }
    if (roll < (this.options.errorRate ?? 0) + (this.options.rateLimitRate ?? 0)) {
      this.stats.injectedErrors++;
      return send(res, 429, { error: 'rate_limited' });
    }
    if (form.get('grant_type') !== 'refresh_token') {
      return send(res, 400, { error: 'unsupported_grant_type' });
    }
    const presented = form.get('refresh_token') ?? '';
    const record = this.tokens.get(presented);
    if (record === undefined) {
      this.stats.unknown++;
      return send(res, 400, { error: 'invalid_grant' });
    }
    if (record.used) {
      this.stats.reuses++;
      this.reusedBy.set(record.family, this.reusesOf(record.family) + 1);
      return send(res, 400, { error: 'invalid_grant' });
    }
    record.used = true;
    this.stats.refreshes++;
    send(res, 200, {
      access_token: newToken('at'),
      token_type: 'Bearer',
      expires_in: this.options.expiresIn ?? 3600,
      refresh_token: this.mint(record.family),
    });
  }
}

function newToken(kind: string): string {
  return `${kind}_${randomBytes(18).toString('base64url')}`;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}
