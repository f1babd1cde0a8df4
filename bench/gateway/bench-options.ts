import { parseArgs } from 'node:util';

/** Command-line options (`npm run bench:gateway -- --rounds 5`); no environment is read. */
export interface BenchOptions {
  rounds: number;
  seconds: number;
  warmupSeconds: number;
  latencySeconds: number;
  rate: number;
  connections: number;
  initializeCount: number;
  loadCore: number;
  sutCore: number;
  gateway: boolean;
  only: Set<string> | undefined;
  postgresUrl: string;
  redisUrl: string;
  json: string | undefined;
}

export const USAGE = `usage: node dist/bench/gateway/run.js [options]
  --rounds N            interleaved rounds (default 3, at least 3 for the goals)
  --seconds S           closed-loop throughput run per variant and round (default 8)
  --warmup-seconds S    unrecorded run before each measured one (default 2)
  --latency-seconds S   fixed-rate latency run (default 6)
  --rate R              fixed rate of the latency runs, req/s (default 2000)
  --connections C       concurrent connections (default 32)
  --initialize N        sequential initialize requests per variant and round (default 300)
  --load-core N         core of the load generators, upstream, broker (default 0)
  --sut-core N          core of the system under test (default 1)
  --no-gateway          skip variant (b) (no Postgres, Redis or broker needed)
  --only a,b            measure only these variant keys
  --postgres URL        server URL without database (default postgres://postgres@127.0.0.1:5432)
  --redis URL           (default redis://127.0.0.1:6379)
  --json FILE           also write every run's figures as JSON`;

const positive = (name: string, value: string | undefined, fallback: number, min = 1): number => {
  const n = value === undefined ? fallback : Number(value);
  if (!Number.isFinite(n) || n < min) {
    throw new TypeError(`--${name} must be a number >= ${min}`);
  }
  return n;
};

export function parseBenchOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      rounds: { type: 'string' },
      seconds: { type: 'string' },
      'warmup-seconds': { type: 'string' },
      'latency-seconds': { type: 'string' },
      rate: { type: 'string' },
      connections: { type: 'string' },
      initialize: { type: 'string' },
      'load-core': { type: 'string' },
      'sut-core': { type: 'string' },
      'no-gateway': { type: 'boolean' },
      only: { type: 'string' },
      postgres: { type: 'string' },
      redis: { type: 'string' },
      json: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const options: BenchOptions = {
    rounds: positive('rounds', values.rounds, 3),
    seconds: positive('seconds', values.seconds, 8),
    warmupSeconds: positive('warmup-seconds', values['warmup-seconds'], 2, 0),
    latencySeconds: positive('latency-seconds', values['latency-seconds'], 6),
    rate: positive('rate', values.rate, 2000),
    connections: positive('connections', values.connections, 32),
    initializeCount: positive('initialize', values.initialize, 300),
    loadCore: positive('load-core', values['load-core'], 0, 0),
    sutCore: positive('sut-core', values['sut-core'], 1, 0),
    gateway: values['no-gateway'] !== true,
    only:
      values.only === undefined ? undefined : new Set(values.only.split(',').map((k) => k.trim())),
    postgresUrl: (values.postgres ?? 'postgres://postgres@127.0.0.1:5432').replace(/\/+$/, ''),
    redisUrl: values.redis ?? 'redis://127.0.0.1:6379',
    json: values.json,
  };
  if (options.loadCore === options.sutCore) {
    throw new TypeError('--load-core and --sut-core must differ');
  }
  return options;
}
