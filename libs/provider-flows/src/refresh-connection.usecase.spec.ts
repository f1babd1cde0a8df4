import pino from 'pino';
import { KeyRing, Vault } from '@app/crypto';
import {
  ConnectionEntity,
  type ConnectionRefreshRepository,
  type ProviderEntity,
  type ProviderRepository,
  type RefreshLease,
} from '@app/persistence';
import type { CredentialChangePublisher } from '@app/redis';
import { connectionTokenBinding } from '@app/vault';
import { RefreshConnectionUseCase } from './refresh-connection.usecase';
import type { RefreshScheduler } from './refresh-scheduler';
import type { TokenEndpointClient } from './token-endpoint.client';

/**
 * Issue 10 §2: once a strict-rotation provider answered, the rotated tokens exist only in the
 * refresher's memory; a Postgres error on the write must not burn the grant.
 */
describe('RFC 6749 §6 refresh: the write of rotated tokens survives a Postgres blip', () => {
  const vault = new Vault(KeyRing.parse(KeyRing.generateSpec('k1')));
  const connection = Object.assign(new ConnectionEntity(), {
    id: 'c1',
    subject: 'alice',
    providerId: 'p1',
    refreshTokenSealed: vault.seal('rt-old', connectionTokenBinding('c1', 'p1', 'refresh_token')),
    scopes: ['repo'],
    status: 'active',
    refreshGeneration: 3,
    resource: null,
    expiresAt: new Date(Date.now() - 1000),
    issuedAt: new Date(Date.now() - 60_000),
  });
  const provider = {
    id: 'p1',
    kind: 'oauth2',
    clientId: 'client',
    clientSecretSealed: null,
    settings: { token_endpoint: 'https://provider.test/token' },
  } as unknown as ProviderEntity;

  function useCase(store: jest.Mock, leaseMs: number) {
    const lease: RefreshLease = {
      connection,
      token: 'lease-1',
      until: new Date(Date.now() + leaseMs),
      providerVersion: 1,
    };
    const refreshes = {
      claim: jest.fn().mockResolvedValue(lease),
      store,
      release: jest.fn().mockResolvedValue(undefined),
    } as unknown as ConnectionRefreshRepository;
    const providers = {
      findById: jest.fn().mockResolvedValue(provider),
    } as unknown as ProviderRepository;
    const client = {
      request: jest.fn().mockResolvedValue({
        access_token: 'at-new',
        refresh_token: 'rt-new',
        token_type: 'Bearer',
        expires_in: 3600,
      }),
    } as unknown as TokenEndpointClient;
    const scheduler = {
      window: () => ({ dueAt: 0, earliestAt: 0 }),
      scheduleNext: jest.fn().mockResolvedValue(undefined),
    } as unknown as RefreshScheduler;
    const changes = {
      subjectChanged: jest.fn().mockResolvedValue(true),
    } as unknown as CredentialChangePublisher;
    return {
      refreshes,
      client,
      run: new RefreshConnectionUseCase(
        refreshes,
        providers,
        vault,
        client,
        scheduler,
        changes,
        leaseMs,
        pino({ level: 'silent' }),
      ),
    };
  }

  it('retries the write while the lease holds, then reports refreshed (one provider call)', async () => {
    const stored = Object.assign(new ConnectionEntity(), { ...connection, refreshGeneration: 4 });
    const store = jest
      .fn()
      .mockRejectedValueOnce(new Error('Connection terminated unexpectedly'))
      .mockRejectedValueOnce(new Error('connect ECONNREFUSED'))
      .mockResolvedValue(stored);
    const { run, client, refreshes } = useCase(store, 20_000);
    await expect(run.execute('c1')).resolves.toMatchObject({ state: 'refreshed' });
    expect(store).toHaveBeenCalledTimes(3);
    expect(client.request).toHaveBeenCalledTimes(1);
    expect(refreshes.release).not.toHaveBeenCalled();
  });

  it('gives up when the lease would end before the next try, and releases the lease', async () => {
    const store = jest.fn().mockRejectedValue(new Error('connect ECONNREFUSED'));
    const { run, refreshes } = useCase(store, 50);
    await expect(run.execute('c1')).rejects.toThrow('connect ECONNREFUSED');
    expect(store).toHaveBeenCalledTimes(1);
    expect(refreshes.release).toHaveBeenCalledTimes(1);
  });
});
