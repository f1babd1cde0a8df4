import { loadConfig, workersSchema } from '@app/config';
import { KeyRing } from '@app/crypto';
import { workersPoolSize } from './workers-pool-size';

describe('workers Postgres pool (WORKERS_DB_POOL_SIZE)', () => {
  const config = (env: Record<string, string>) =>
    loadConfig(workersSchema, { VAULT_KEYS: KeyRing.generateSpec('k1'), ...env });

  it('unset: one connection per concurrent job, at least 4 and at most 20', () => {
    expect(workersPoolSize(config({}))).toBe(5);
    expect(workersPoolSize(config({ WORKER_CONCURRENCY: '1' }))).toBe(4);
    expect(workersPoolSize(config({ WORKER_CONCURRENCY: '100' }))).toBe(20);
  });

  it('set: taken as given, whatever the concurrency', () => {
    expect(workersPoolSize(config({ WORKER_CONCURRENCY: '100', WORKERS_DB_POOL_SIZE: '8' }))).toBe(
      8,
    );
  });

  it('refuses a pool of 0', () => {
    expect(() => config({ WORKERS_DB_POOL_SIZE: '0' })).toThrow(/WORKERS_DB_POOL_SIZE/);
  });
});
