import { execFileSync } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/**
 * The Chromium the tests drive headless through playwright-core: CHROMIUM_PATH, Debian's
 * /usr/bin/chromium, or the one `npm ci` brings in @sparticuz/chromium (scripts/chromium-path.mjs,
 * run in plain Node because the package is ESM-only; `npm test` unpacks it before Jest starts).
 */
export function chromiumPath(): string {
  return execFileSync(
    process.execPath,
    [join(__dirname, '..', '..', 'scripts', 'chromium-path.mjs')],
    {
      encoding: 'utf8',
    },
  ).trim();
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking'],
  });
}

export interface RecordedRequest {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
}

export interface LocalServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  port: number;
  /** Every request received, oldest first. */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/**
 * A tiny HTTP server on a random loopback port (a native client's redirect URI, a page of another
 * origin). `handle` answers; requests are recorded for assertions.
 */
export async function startLocalServer(
  handle: (request: RecordedRequest, response: ServerResponse) => void,
): Promise<LocalServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      url: new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`),
      headers: req.headers,
    };
    requests.push(recorded);
    handle(recorded, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answers with a small HTML page. */
export function sendHtml(response: ServerResponse, html: string, status = 200): void {
  response.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
  response.end(html);
}
