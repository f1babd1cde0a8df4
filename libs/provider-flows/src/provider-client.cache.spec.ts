import type { ProviderEntity } from '@app/persistence';
import type { ProviderClient } from './provider-client';
import { ProviderClientCache } from './provider-client.cache';

describe('ProviderClientCache: the opened provider client, by row version', () => {
  let clock = 0;
  let opened = 0;
  const row = { id: 'p1' } as ProviderEntity;
  const client = (n: number) => ({ auth: { id: `client-${n}` } }) as unknown as ProviderClient;
  let load: jest.Mock;
  let cache: ProviderClientCache;

  beforeEach(() => {
    clock = 0;
    opened = 0;
    load = jest.fn().mockResolvedValue(row);
    cache = new ProviderClientCache(
      load,
      () => Promise.resolve(client(++opened)),
      60_000,
      2,
      () => clock,
    );
  });

  it('opens a provider once per version, shared by concurrent refreshes', async () => {
    const [a, b] = await Promise.all([cache.get('p1', 1), cache.get('p1', 1)]);
    expect(a).toBe(b);
    expect(await cache.get('p1', 1)).toBe(a);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('an edited provider (a new row version) is opened again', async () => {
    const first = await cache.get('p1', 1);
    const second = await cache.get('p1', 2);
    expect(second).not.toBe(first);
    expect(second?.auth.id).toBe('client-2');
  });

  it('keeps an entry at most its time to live (discovered endpoints are looked up again)', async () => {
    await cache.get('p1', 1);
    clock = 60_000;
    await cache.get('p1', 1);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('does not keep a failed load', async () => {
    load.mockRejectedValueOnce(new Error('Postgres is down'));
    await expect(cache.get('p1', 1)).rejects.toThrow('Postgres is down');
    await expect(cache.get('p1', 1)).resolves.toMatchObject({ auth: { id: 'client-1' } });
  });

  it('null when the provider row is gone', async () => {
    load.mockResolvedValueOnce(null);
    await expect(cache.get('p1', 1)).resolves.toBeNull();
  });

  it('holds at most maxEntries providers', async () => {
    await cache.get('p1', 1);
    await cache.get('p2', 1);
    await cache.get('p3', 1);
    await cache.get('p1', 1);
    expect(load).toHaveBeenCalledTimes(4);
  });
});
