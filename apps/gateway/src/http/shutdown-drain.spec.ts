import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { ShutdownDrain } from './shutdown-drain';

describe('ShutdownDrain (a graceful close ends what would hold it open)', () => {
  it('ends every stream still open, once, and forgets the ones that ended by themselves', () => {
    const drain = new ShutdownDrain();
    const ended: string[] = [];
    drain.track(() => ended.push('a'));
    const untrackB = drain.track(() => ended.push('b'));
    drain.track(() => ended.push('c'));
    untrackB();
    expect(drain.streams).toBe(2);
    drain.drain();
    expect(ended).toEqual(['a', 'c']);
    expect(drain.streams).toBe(0);
    drain.drain();
    expect(ended).toEqual(['a', 'c']);
  });

  it('a stream that starts after closing began (its upstream answered late) ends at once', () => {
    const drain = new ShutdownDrain();
    drain.drain();
    const ended: string[] = [];
    drain.track(() => ended.push('late'));
    expect(ended).toEqual(['late']);
    expect(drain.streams).toBe(0);
  });

  describe('on a real server', () => {
    let server: Server;
    let drain: ShutdownDrain;
    let port: number;
    let finishSlow: () => void;
    beforeEach(async () => {
      drain = new ShutdownDrain();
      server = createServer((req, res) => {
        if (req.url === '/stream') {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write(': open\n\n');
          drain.track(() => res.destroy());
        } else if (req.url === '/slow') {
          finishSlow = () => res.end('done');
        } else {
          res.end('ok');
        }
      });
      drain.watch(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });

    const closed = () => new Promise<void>((resolve) => server.close(() => resolve()));

    it('closes a connection that never sent a request (Node leaves it open) and ends a stream; a request in flight finishes', async () => {
      const silent = connect(port, '127.0.0.1');
      await new Promise((resolve) => silent.once('connect', resolve));
      const stream = request({ port, host: '127.0.0.1', path: '/stream' });
      stream.end();
      const streamed = await new Promise<import('node:http').IncomingMessage>((resolve) =>
        stream.once('response', resolve),
      );
      streamed.on('data', () => undefined);
      const slow = request({ port, host: '127.0.0.1', path: '/slow' });
      slow.end();
      const slowAnswer = new Promise<string>((resolve) =>
        slow.once('response', (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve(body));
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      const done = closed();
      server.closeIdleConnections();
      drain.drain();
      const silentClosed = new Promise((resolve) => silent.once('close', resolve));
      await silentClosed;
      finishSlow();
      expect(await slowAnswer).toBe('done');
      await done;
    });
  });
});
