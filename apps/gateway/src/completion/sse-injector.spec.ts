import { PassThrough } from 'node:stream';
import { SseInjector } from './sse-injector';

async function collect(stream: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const chunk of stream) {
    out += String(chunk);
  }
  return out;
}

describe('SseInjector (issue 9 §2): the gateway’s events go between upstream events', () => {
  it('an injection while an upstream event is half-received lands after that event', async () => {
    const injector = new SseInjector();
    const sink = new PassThrough();
    injector.pipe(sink);
    const done = collect(sink);
    injector.write('id: 1\ndata: {"a":1}\n\nid: 2\ndata: {"b"');
    await new Promise((resolve) => setImmediate(resolve));
    injector.inject({
      jsonrpc: '2.0',
      method: 'notifications/elicitation/complete',
      params: { elicitationId: 'x' },
    });
    injector.write(':2}\n\n');
    injector.end();
    expect(await done).toBe(
      'id: 1\ndata: {"a":1}\n\n' +
        'event: message\ndata: {"jsonrpc":"2.0","method":"notifications/elicitation/complete","params":{"elicitationId":"x"}}\n\n' +
        'id: 2\ndata: {"b":2}\n\n',
    );
  });

  it('passes the upstream bytes unchanged, an unterminated tail included', async () => {
    const injector = new SseInjector();
    const done = collect(injector);
    injector.write(': keepalive\n\nevent: message\r\ndata: x\r\n\r\ndata: tail');
    injector.end();
    expect(await done).toBe(': keepalive\n\nevent: message\r\ndata: x\r\n\r\ndata: tail');
  });
});
