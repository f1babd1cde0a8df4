import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RoundRobinProxy {
  url: string;
  /** Requests each backend answered, by backend URL. */
  served: Map<string, number>;
  setBackends(urls: string[]): void;
  close(): Promise<void>;
}

/**
 * A plain load balancer for tests: each request goes to the next backend in turn (no stickiness:
 * a session's requests land on different replicas); a backend that refuses the connection is
 * skipped, as a load balancer's health check would. Bodies and SSE streams are piped as they come.
 */
export async function startRoundRobinProxy(backends: string[]): Promise<RoundRobinProxy> {
  let pool = [...backends];
  let next = 0;
  const served = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const attempt = (left: number): void => {
        const backend = pool[next++ % pool.length]!;
        const target = new URL(req.url ?? '/', backend);
        const upstream = request(target, { method: req.method, headers: req.headers }, (answer) => {
          served.set(backend, (served.get(backend) ?? 0) + 1);
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.flushHeaders();
          answer.pipe(res);
          answer.once('error', () => res.destroy());
        });
        upstream.once('error', (error: NodeJS.ErrnoException) => {
          if (error.code === 'ECONNREFUSED' && left > 1 && !res.headersSent) {
            attempt(left - 1);
          } else if (!res.headersSent) {
            res.writeHead(502).end();
          } else {
            res.destroy();
          }
        });
        res.once('close', () => upstream.destroy());
        upstream.end(body);
      };
      attempt(pool.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    served,
    setBackends: (urls) => {
      pool = [...urls];
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
