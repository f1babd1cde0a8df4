import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pino from 'pino';
import { Writable } from 'node:stream';
import { APP_CONFIG } from '@app/config';
import type { CredentialAnswer } from '@app/gateway-contract';
import { createHttpApp, LOGGER, MetricsService } from '@app/observability';
import { InternalErrorFilter } from '../http/internal-error.filter';
import { InternalTokenGuard } from '../http/internal-token.guard';
import { InternalCredentialsController } from './internal-credentials.controller';
import { ResolveCredentialUseCase } from './resolve-credential.usecase';

const TOKEN = 'spec-internal-token-0123456789abcdef';
const SECRET = 'ghp_must-never-leave-0123456789';

describe('the internal API checks its answers with the contract the gateway parses them with', () => {
  let app: NestFastifyApplication;
  let next: unknown;
  const logs: string[] = [];

  beforeAll(async () => {
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          logs.push(chunk.toString());
          done();
        },
      }),
    );
    @Module({
      controllers: [InternalCredentialsController],
      providers: [
        { provide: APP_CONFIG, useValue: { INTERNAL_API_TOKEN: TOKEN } },
        { provide: LOGGER, useValue: logger },
        { provide: APP_FILTER, useClass: InternalErrorFilter },
        { provide: ResolveCredentialUseCase, useValue: { execute: async () => next } },
        InternalTokenGuard,
      ],
    })
    class SpecModule {}
    app = await createHttpApp(SpecModule, {
      logger,
      metrics: new MetricsService('spec'),
      listener: 'internal',
    });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    await app.close();
  });

  const resolve = () =>
    app
      .getHttpAdapter()
      .getInstance()
      .inject({
        method: 'POST',
        url: '/internal/v1/credentials/resolve',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        payload: { principal: { subject: 'u1' }, auth_method: { type: 'none' } },
      });

  it('sends an answer that matches the schema as it is', async () => {
    const answer: CredentialAnswer = {
      outcome: 'inject',
      headers: { authorization: `Bearer ${SECRET}` },
      expires_at: null,
    };
    next = answer;
    const res = await resolve();
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toEqual(answer);
  });

  it.each([
    ['an expiry that is not a date', { outcome: 'inject', headers: {}, expires_at: 'soon' }],
    [
      'a header value with a line break (header injection)',
      {
        outcome: 'inject',
        headers: { authorization: `Bearer ${SECRET}\r\nx-evil: 1` },
        expires_at: null,
      },
    ],
    [
      'a field the contract does not have (a device code leaking)',
      {
        outcome: 'auth_required',
        remedy: {
          auth_type: 'device_code',
          provider: 'idp',
          user_code: 'ABCD-EFGH',
          verification_uri: 'https://idp.example.com/device',
          expires_in: 600,
          interval: 5,
          instructions: 'Go to …',
          device_code: SECRET,
        },
      },
    ],
    ['an unknown outcome', { outcome: 'maybe', reason: SECRET }],
  ])(
    'answers a generic 500 for %s, logs which field broke the contract, and never sends it',
    async (_name, answer) => {
      next = answer;
      logs.length = 0;
      const res = await resolve();
      expect(res.statusCode).toBe(500);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toEqual({
        type: 'about:blank',
        status: 500,
        title: 'Internal server error',
        detail: 'An internal error occurred; quote the correlation id when reporting it.',
        code: 'internal_error',
        instance: '/internal/v1/credentials/resolve',
        correlation_id: expect.any(String),
      });
      expect(res.body).not.toContain(SECRET);
      const logged = logs.join('');
      expect(logged).toContain('internal API answer breaks the contract');
      expect(logged).not.toContain(SECRET);
    },
  );
});
