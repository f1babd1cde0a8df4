import type { ArgumentsHost } from '@nestjs/common';
import type { Logger } from 'pino';
import { RedisUnavailableError } from '@app/redis';
import { PublicErrorFilter } from './public-error.filter';
import { PUBLIC_API_ERRORS } from './public-api-error.map';
import { PublicApiError, type PublicApiErrorCode } from './public-api.error';

function harness() {
  const sent: { status?: number; body?: unknown; headers: Record<string, string> } = {
    headers: {},
  };
  const reply = {
    header: (name: string, value: string) => {
      sent.headers[name.toLowerCase()] = value;
      return reply;
    },
    headers: (values: Record<string, string>) => {
      for (const [name, value] of Object.entries(values)) {
        sent.headers[name.toLowerCase()] = value;
      }
      return reply;
    },
    status: (status: number) => {
      sent.status = status;
      return reply;
    },
    send: (body: unknown) => {
      sent.body = body;
      return reply;
    },
  };
  const host = {
    switchToHttp: () => ({ getRequest: () => ({ id: 'corr-123' }), getResponse: () => reply }),
  } as unknown as ArgumentsHost;
  const logged: unknown[][] = [];
  const logger = {
    error: (...args: unknown[]) => logged.push(args),
    warn: (...args: unknown[]) => logged.push(args),
  } as unknown as Logger;
  return { filter: new PublicErrorFilter(logger), host, sent, logged };
}

describe('SPEC-MUST 37: every 5xx body on the public listener is generic', () => {
  it('an unexpected error answers a generic 500 with the correlation id; the detail goes to the log', () => {
    const { filter, host, sent, logged } = harness();
    filter.catch(new Error('connection to postgres://admin:hunter2@db failed'), host);
    expect(sent.status).toBe(500);
    expect(JSON.stringify(sent.body)).not.toContain('hunter2');
    expect(JSON.stringify(sent.body)).not.toContain('postgres');
    expect(sent.body).toMatchObject({ error: 'server_error', correlation_id: 'corr-123' });
    expect(sent.headers['cache-control']).toBe('no-store');
    expect(logged).toHaveLength(1);
    expect(logged[0]![0]).toMatchObject({ correlation_id: 'corr-123' });
  });

  it('a refusal keeps its status, code and message (SPEC-MUST 38)', () => {
    const { filter, host, sent } = harness();
    filter.catch(new PublicApiError('invalid_request', 'provider: expected string'), host);
    expect(sent.status).toBe(400);
    expect(sent.body).toMatchObject({
      error: 'invalid_request',
      error_description: 'provider: expected string',
    });
  });
});

describe('Redis unreachable on the public JSON endpoints', () => {
  it('answers 503 temporarily_unavailable with Retry-After, nothing of the cause in the body', () => {
    const { filter, host, sent } = harness();
    filter.catch(
      new RedisUnavailableError(new Error('connect ECONNREFUSED redis://:s3cret@10.0.0.5:6379')),
      host,
    );
    expect(sent.status).toBe(503);
    expect(sent.headers['retry-after']).toBe('5');
    expect(sent.headers['cache-control']).toBe('no-store');
    expect(sent.body).toMatchObject({ error: 'temporarily_unavailable' });
    expect(JSON.stringify(sent.body)).not.toContain('s3cret');
    expect(JSON.stringify(sent.body)).not.toContain('ECONNREFUSED');
  });
});

describe('one error map for the public JSON endpoints', () => {
  // Every code of the union, written out: a code added to the union but not here fails to compile
  // (satisfies), and one missing from the map fails the Record type.
  const CODES = Object.keys({
    api_key_missing: 0,
    invalid_api_key: 0,
    invalid_token: 0,
    insufficient_scope: 0,
    invalid_request: 0,
    unknown_provider: 0,
    invalid_grant: 0,
    access_denied: 0,
    provider_unavailable: 0,
    store_unavailable: 0,
  } satisfies Record<PublicApiErrorCode, 0>) as PublicApiErrorCode[];

  it.each(CODES)('%s has a wire answer with a status and an OAuth error', (code) => {
    const answer = PUBLIC_API_ERRORS[code];
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(600);
    expect(answer.error).toMatch(/^[a-z_]+$/);
  });

  it('the filter answers a code from the map: status, error, challenge and extra body', () => {
    const { filter, host, sent } = harness();
    filter.catch(new PublicApiError('insufficient_scope', 'needs tools', { scope: 'mcp:x' }), host);
    expect(sent.status).toBe(403);
    expect(sent.body).toEqual({ error: 'insufficient_scope', error_description: 'needs tools' });
    expect(sent.headers['www-authenticate']).toBe(
      'Bearer realm="mcp-auth-gateway", error="insufficient_scope", scope="mcp:x"',
    );
    expect(sent.headers['cache-control']).toBe('no-store');
  });

  it('a code whose wire error differs keeps the seed answer (missing API key → 401 invalid_request)', () => {
    const { filter, host, sent } = harness();
    filter.catch(new PublicApiError('api_key_missing', 'send the key'), host);
    expect(sent.status).toBe(401);
    expect(sent.body).toEqual({
      valid: false,
      error: 'invalid_request',
      error_description: 'send the key',
    });
    expect(sent.headers['www-authenticate']).toBe('ApiKey realm="mcp-auth-gateway"');
  });
});
