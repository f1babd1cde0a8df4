import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import Redis from 'ioredis';

/** A free TCP port on 127.0.0.1 (taken and released: good enough for a benchmark). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * A `redis-server` of the benchmark's own (no persistence), so that its command count is the
 * workers' alone: the machine's Redis serves other clients too.
 */
export class OwnRedis {
  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
    readonly client: Redis,
  ) {}

  static async start(): Promise<OwnRedis> {
    const port = await freePort();
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    const url = `redis://127.0.0.1:${port}`;
    for (let tries = 0; ; tries++) {
      const client = new Redis(url, {
        lazyConnect: true,
        maxRetriesPerRequest: 1,
        retryStrategy: () => null,
      });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.ping();
        return new OwnRedis(url, child, client);
      } catch (error) {
        client.disconnect();
        if (tries > 50 || child.exitCode !== null) {
          child.kill('SIGKILL');
          throw new Error(`redis-server did not start on ${port}`, { cause: error });
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  /** Commands the server processed so far (this INFO call included). */
  async commands(): Promise<number> {
    const info = await this.client.info('stats');
    return Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? NaN);
  }

  async stop(): Promise<void> {
    this.client.disconnect();
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
  }
}
