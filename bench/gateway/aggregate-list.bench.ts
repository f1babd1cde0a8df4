/**
 * `npm run bench:aggregate`: the latency of an aggregated `tools/list` on `/mcp` over three
 * upstreams (fan-out, policy filter per tool, merge) beside one `tools/list` on the transparent
 * route `/mcp/bench` (one upstream), both through the same gateway in one run, interleaved, one
 * request at a time (latency, not throughput). Legacy sessions, API key. Prints p50/p99 side by
 * side. A benchmark, not a test: it never fails on a number.
 */
import path from 'node:path';
import { BenchTokenIssuer } from './bench-token-issuer';
import { GatewayStack } from './gateway-stack';
import { UPSTREAM } from './bench-policies';
import { listeningPort, spawnPinned, stopProcess } from './pinned-process';

const REQUESTS = Number(process.argv[2] ?? 500);
const VERSION = '2025-11-25';

async function session(url: string, key: string): Promise<Record<string, string>> {
  const headers = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    authorization: `ApiKey ${key}`,
  };
  const init = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: {
        protocolVersion: VERSION,
        capabilities: {},
        clientInfo: { name: 'bench', version: '1' },
      },
    }),
  });
  await init.text();
  const id = init.headers.get('mcp-session-id');
  return {
    ...headers,
    'mcp-protocol-version': VERSION,
    ...(id !== null ? { 'mcp-session-id': id } : {}),
  };
}

async function timedList(
  url: string,
  headers: Record<string, string>,
): Promise<{ ms: number; tools: number }> {
  const started = process.hrtime.bigint();
  const res = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
  });
  const body = (await res.json()) as { result?: { tools?: unknown[] } };
  return {
    ms: Number(process.hrtime.bigint() - started) / 1e6,
    tools: body.result?.tools?.length ?? -1,
  };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function main(): Promise<void> {
  const upstream = spawnPinned('aggregate upstream', 0, process.execPath, [
    path.join(__dirname, 'aggregate-upstream.main.js'),
  ]);
  const issuer = await BenchTokenIssuer.start();
  const stack = new GatewayStack({
    label: 'aggregate',
    policyCount: 100,
    upstreamUrl: `http://127.0.0.1:${await listeningPort(upstream)}/mcp`,
    postgresUrl: 'postgres://postgres@127.0.0.1:5432',
    redisUrl: 'redis://127.0.0.1:6379',
    loadCore: 0,
    sutCore: 1,
    trustedIssuer: { issuer: issuer.issuer, jwksUri: issuer.jwksUri },
    extraUpstreams: ['bench3'],
  });
  try {
    await stack.start();
    const routes = {
      'direct route /mcp/bench (1 upstream)': `${stack.gatewayUrl}/mcp/${UPSTREAM}`,
      'aggregate /mcp (3 upstreams)': `${stack.gatewayUrl}/mcp`,
    };
    const sessions = await Promise.all(
      Object.values(routes).map((url) => session(url, stack.apiKey)),
    );
    const samples = Object.keys(routes).map(() => [] as number[]);
    const tools = Object.keys(routes).map(() => 0);
    const urls = Object.values(routes);
    for (let i = 0; i < REQUESTS + 50; i++) {
      for (let v = 0; v < urls.length; v++) {
        const { ms, tools: count } = await timedList(urls[v]!, sessions[v]!);
        tools[v] = count;
        if (i >= 50) {
          samples[v]!.push(ms);
        }
      }
    }
    process.stdout.write(
      `aggregated tools/list latency, ${REQUESTS} sequential requests each (after 50 warm-up)\n`,
    );
    process.stdout.write(
      `${'route'.padEnd(40)} ${'tools'.padStart(6)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}\n`,
    );
    Object.keys(routes).forEach((label, v) => {
      const sorted = samples[v]!.sort((a, b) => a - b);
      process.stdout.write(
        `${label.padEnd(40)} ${String(tools[v]).padStart(6)} ${percentile(sorted, 50).toFixed(2).padStart(8)} ${percentile(sorted, 99).toFixed(2).padStart(8)}\n`,
      );
    });
  } finally {
    await stack.close();
    await stopProcess(upstream);
    await issuer.close();
  }
}

void main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exitCode = 1;
});
