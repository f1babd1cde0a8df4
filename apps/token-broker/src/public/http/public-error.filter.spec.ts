import type { ArgumentsHost } from '@nestjs/common';
import type { Logger } from 'pino';
import { PublicErrorFilter } from './public-error.filter';
import { PublicApiError } from './public-api.error';

function harness() {
  const sent: { status?: number; body?: unknown; headers: Record<string, string> } = {
    headers: {},
  };
  const reply = {
    header: (name: string, value: string) => {
      sent.headers[name.toLowerCase()] = value;
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
  const logger = { error: (...args: unknown[]) => logged.push(args) } as unknown as Logger;
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
    filter.catch(new PublicApiError('invalid_request', 400, 'provider: expected string'), host);
    expect(sent.status).toBe(400);
    expect(sent.body).toMatchObject({
      error: 'invalid_request',
      error_description: 'provider: expected string',
    });
  });
});
