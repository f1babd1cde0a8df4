import { once } from 'node:events';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { Body, Controller, Module, Post } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp } from './create-http-app';
import { createLogger } from './create-logger';
import { MetricsService } from './metrics.service';

interface LogLine {
  level: string;
  msg?: string;
  context?: string;
  err?: { message?: string };
}

@Controller()
class EchoController {
  @Post('echo')
  echo(@Body() body: unknown): unknown {
    return body;
  }

  @Post('boom')
  boom(): never {
    throw new Error('something broke');
  }
}

@Module({ controllers: [EchoController] })
class EchoModule {}

describe('a client aborting its request', () => {
  let app: NestFastifyApplication;
  let port: number;
  const lines: LogLine[] = [];
  let seen: (() => void) | undefined;

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        for (const text of chunk.toString('utf8').split('\n').filter(Boolean)) {
          lines.push(JSON.parse(text) as LogLine);
        }
        seen?.();
        callback();
      },
    });
    const logger = createLogger('test', 'debug', sink);
    app = await createHttpApp(EchoModule, { logger, metrics: new MetricsService('test') });
    await app.listen(0, '127.0.0.1');
    port = (app.getHttpServer().address() as { port: number }).port;
  });

  afterAll(async () => {
    await app.close();
  });

  /** Resolves once a log line satisfying `test` has been written. */
  async function lineWhere(test: (line: LogLine) => boolean): Promise<LogLine> {
    for (;;) {
      const line = lines.find(test);
      if (line) {
        return line;
      }
      await new Promise<void>((resolve) => (seen = resolve));
    }
  }

  const mentions = (line: LogLine, text: string) =>
    `${line.msg ?? ''} ${line.err?.message ?? ''}`.includes(text);

  it('is logged at debug, not at error, when the socket is destroyed mid-body', async () => {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(
      'POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n' +
        'Content-Length: 1000\r\n\r\n{"partial":',
    );
    // The request is in the body parser before the socket goes away.
    await lineWhere((line) => line.msg === 'incoming request');
    socket.destroy();

    const abort = await lineWhere((line) => mentions(line, 'aborted'));
    expect(abort).toMatchObject({ level: 'debug' });
    expect(lines.filter((line) => line.level === 'error' || line.level === 'fatal')).toEqual([]);
  });

  it('keeps a real error at error', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/boom`, { method: 'POST' });
    expect(response.status).toBe(500);

    const failure = await lineWhere((line) => mentions(line, 'something broke'));
    expect(failure).toMatchObject({ level: 'error', context: 'ExceptionsHandler' });
  });
});
