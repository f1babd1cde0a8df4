import pino from 'pino';
import { MetricsService } from '@app/observability';
import type { ConnectionEntity, ConnectionRefreshRepository } from '@app/persistence';
import type { RefreshConnectionUseCase } from '@app/provider-flows';
import { OnDemandRefresh } from './on-demand-refresh';

const connection = {
  id: '0b9c7a4e-0000-4000-8000-000000000001',
  providerId: 'provider-id',
  refreshGeneration: 3,
} as ConnectionEntity;

async function counted(metrics: MetricsService) {
  const metric = await metrics.registry.getSingleMetric('auth_token_refresh_total')!.get();
  return metric.values.map(({ labels, value }) => ({ labels, value }));
}

describe('issue 10 §3 auth_token_refresh_total in the broker (on-demand refresh)', () => {
  it('a refresh that threw (Postgres or Redis down) is error/internal under its provider name, and still no guess', async () => {
    const metrics = new MetricsService('test');
    const refresh = {
      execute: async () => {
        throw new Error('connection terminated');
      },
    } as unknown as RefreshConnectionUseCase;
    const onDemand = new OnDemandRefresh(
      refresh,
      {} as ConnectionRefreshRepository,
      pino({ level: 'silent' }),
      metrics,
    );
    const fresh = await onDemand.execute(connection, false, {
      provider: 'github',
      source: 'on_demand',
    });
    expect(fresh).toEqual({
      state: 'unavailable',
      reason: 'the provider cannot refresh the token right now',
    });
    expect(await counted(metrics)).toEqual([
      {
        labels: { provider: 'github', source: 'on_demand', outcome: 'error', reason: 'internal' },
        value: 1,
      },
    ]);
  });

  it('an outcome that made no attempt (someone else rotated: current) is not counted', async () => {
    const metrics = new MetricsService('test');
    const rotated = { ...connection, refreshGeneration: 4, status: 'active' } as ConnectionEntity;
    const refresh = {
      execute: async () => ({ state: 'current', connection: rotated }),
    } as unknown as RefreshConnectionUseCase;
    const refreshes = { findById: async () => rotated } as unknown as ConnectionRefreshRepository;
    const onDemand = new OnDemandRefresh(refresh, refreshes, pino({ level: 'silent' }), metrics);
    const fresh = await onDemand.execute(connection, false, {
      provider: 'github',
      source: 'forced',
    });
    expect(fresh).toEqual({ state: 'usable', connection: rotated });
    expect(await counted(metrics)).toEqual([]);
  });
});
