/**
 * `npm run bench:gateway`: the gateway's transparent route side by side with its peers, in one
 * run on one machine — (a) client → upstream directly, (b) → the gateway `/mcp/<upstream>` (API
 * key, JWT, 10,000 policies, a cached credential), (c) → a bare node:http + undici proxy (the
 * Node ceiling), (d) → an express proxy with the SDK v1's requireBearerAuth (the hand-written
 * peer). Load generators, upstream and broker on one core, the system under test on the other
 * (taskset); variants interleaved over rounds; ratios checked against the issue's goals.
 * A benchmark, not a test: it never fails on a missed goal, it says MISS.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseBenchOptions, USAGE, type BenchOptions } from './bench-options';
import { disturbanceLines, goalLines, variantTable } from './bench-report';
import { runRounds } from './bench-rounds';
import { BenchTokenIssuer } from './bench-token-issuer';
import type { BenchVariant } from './bench-variant';
import { GATEWAY_KEYS, startGatewayVariants } from './gateway-variants';
import { probeRoute } from './mcp-probe';
import {
  listeningPort,
  runToEnd,
  spawnPinned,
  stopProcess,
  type PinnedProcess,
} from './pinned-process';
import { PROTOCOL_VERSION, TOOLS_CALL_BODY } from './workload';

const HERE = __dirname;
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

async function requireTools(): Promise<void> {
  const missing: string[] = [];
  for (const tool of ['taskset', 'wrk']) {
    await runToEnd('sh', ['-c', `command -v ${tool}`]).catch(() => missing.push(tool));
  }
  if (missing.length > 0) {
    throw new Error(
      `missing ${missing.join(', ')}: install with \`sudo apt-get install -y wrk util-linux\` ` +
        '(Debian/Ubuntu; taskset is in util-linux). macOS has no taskset: run on Linux.',
    );
  }
}

async function startChild(name: string, core: number, main: string, args: string[] = []) {
  const proc = spawnPinned(name, core, process.execPath, [path.join(HERE, main), ...args]);
  return { proc, port: await listeningPort(proc) };
}

async function main(options: BenchOptions): Promise<void> {
  await requireTools();
  // The orchestrator (and the JWKS it serves) stays off the measured core.
  await runToEnd('taskset', ['-cp', String(options.loadCore), String(process.pid)]);
  const clockTicks = Number((await runToEnd('getconf', ['CLK_TCK'])).trim());
  const scratchDir = mkdtempSync(path.join(tmpdir(), 'mcpgw-bench-'));
  const processes: PinnedProcess[] = [];
  const closers: Array<() => Promise<void>> = [];
  const cleanup = async () => {
    for (const close of closers.reverse()) {
      await close().catch(() => undefined);
    }
    for (const proc of processes.reverse()) {
      await stopProcess(proc);
    }
    rmSync(scratchDir, { recursive: true, force: true });
  };
  const onSignal = () => void cleanup().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const upstream = await startChild('upstream', options.loadCore, 'upstream.main.js');
    processes.push(upstream.proc);
    const upstreamUrl = `http://127.0.0.1:${upstream.port}/mcp`;
    const issuer = await BenchTokenIssuer.start();
    closers.push(() => issuer.close());
    const bare = await startChild('bare proxy', options.sutCore, 'bare-proxy.main.js', [
      upstreamUrl,
    ]);
    processes.push(bare.proc);
    const peer = await startChild('sdk peer', options.sutCore, 'sdk-peer.main.js', [
      upstreamUrl,
      issuer.issuer,
      issuer.jwksUri,
    ]);
    processes.push(peer.proc);
    const peerToken = {
      Authorization: `Bearer ${await issuer.sign(`http://127.0.0.1:${peer.port}/mcp/bench`)}`,
    };
    const variants: BenchVariant[] = [
      {
        key: 'direct',
        label: '(a) client → upstream directly (upstream shares the load core)',
        target: { url: upstreamUrl, headers: {} },
        credentialHeaders: {},
        pid: upstream.proc.pid,
        core: options.loadCore,
      },
      {
        key: 'bare',
        label: '(c) node:http + undici Pool proxy, same bytes, no auth (the Node ceiling)',
        target: { url: `http://127.0.0.1:${bare.port}/mcp/bench`, headers: {} },
        credentialHeaders: {},
        pid: bare.proc.pid,
        core: options.sutCore,
      },
      {
        key: 'sdk-peer',
        label: '(d) express + SDK v1 requireBearerAuth (jose JWT) + undici Pool',
        target: { url: `http://127.0.0.1:${peer.port}/mcp/bench`, headers: peerToken },
        credentialHeaders: peerToken,
        pid: peer.proc.pid,
        core: options.sutCore,
      },
    ];
    for (const variant of variants) {
      await probeRoute(variant.target);
    }
    const off = new Map<string, string>();
    if (options.gateway) {
      const gateway = await startGatewayVariants(options, upstreamUrl, issuer, log);
      closers.push(...gateway.stacks.map((stack) => () => stack.close()));
      variants.push(...gateway.variants);
      gateway.off.forEach((reason, key) => off.set(key, reason));
    } else {
      GATEWAY_KEYS.forEach((key) => off.set(key, 'off (--no-gateway)'));
    }
    const measured = variants.filter((v) => options.only === undefined || options.only.has(v.key));
    for (const [key, reason] of off) {
      log(`variant ${key} ${reason}`);
    }
    const results = await runRounds(measured, options, scratchDir, clockTicks, log);
    const lines = [
      `gateway bench — node ${process.version}, ${options.rounds} interleaved rounds; load core ${options.loadCore} (wrk, the fixed-rate client, upstream, brokers, this process), SUT core ${options.sutCore}`,
      `workload: ${Buffer.byteLength(TOOLS_CALL_BODY)} B tools/call POST, MCP-Protocol-Version ${PROTOCOL_VERSION}, c=${options.connections}; ` +
        `throughput: wrk ${options.seconds}s after ${options.warmupSeconds}s warm-up; latency: undici at an even ${options.rate} req/s for ${options.latencySeconds}s; ` +
        `initialize: ${options.initializeCount} sequential (undici, one connection). Medians over rounds; CPU = utime+stime of the SUT process during the wrk run / requests.`,
      '',
      ...variantTable(measured, results, options),
      ...disturbanceLines(measured, results),
      '',
      ...[...off].map(([key, reason]) => `${key}: ${reason}`),
      'goals (median over rounds of the per-round figure):',
      ...goalLines(results, off),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (options.json !== undefined) {
      writeFileSync(
        options.json,
        JSON.stringify(
          {
            options: { ...options, only: options.only && [...options.only] },
            off: Object.fromEntries(off),
            results: Object.fromEntries(results),
          },
          null,
          2,
        ),
      );
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanup();
  }
}

let options: BenchOptions;
try {
  options = parseBenchOptions(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
  process.exit(2);
}
main(options).catch((error: unknown) => {
  process.stderr.write(`bench:gateway failed: ${(error as Error).message}\n`);
  process.exit(1);
});
