import { KeyRing, Vault } from '@app/crypto';
import type { OAuthRecordRepository, OAuthRecordRow } from '@app/persistence';
import { oauthRecordAdapter, recordKey } from './oauth-record.adapter';
import { RefreshRotationContext } from './refresh-rotation.context';

/** The repository's contract in memory, to see exactly what the adapter stores and deletes. */
function memoryRecords() {
  const rows = new Map<string, OAuthRecordRow & { model: string }>();
  const revoked: Array<[string, string]> = [];
  const records = {
    upsert: async (
      key: string,
      model: string,
      payloadSealed: string,
      index: { grantId: string | null },
    ) => {
      rows.set(key, {
        key,
        model,
        payloadSealed,
        grantId: index.grantId,
        consumed: null,
        consumedAgeSeconds: null,
        retryUsed: false,
      });
    },
    find: async (key: string) => rows.get(key),
    consume: async (key: string) => {
      const row = rows.get(key);
      if (row === undefined || row.consumed !== null) {
        return false;
      }
      row.consumed = Math.floor(Date.now() / 1000);
      row.consumedAgeSeconds = 0;
      return true;
    },
    destroy: async (key: string) => void rows.delete(key),
    markClientSignedIn: async () => undefined,
    takeRotationRetry: async (key: string, windowSeconds: number) => {
      const row = rows.get(key);
      if (
        row === undefined ||
        row.retryUsed ||
        row.consumedAgeSeconds === null ||
        row.consumedAgeSeconds >= windowSeconds
      ) {
        return false;
      }
      row.retryUsed = true;
      return true;
    },
    revokeByGrantId: async (grantId: string, grantKey: string) => {
      revoked.push([grantId, grantKey]);
      for (const [key, row] of rows) {
        if (row.grantId === grantId || key === grantKey) {
          rows.delete(key);
        }
      }
    },
  } as unknown as OAuthRecordRepository;
  return { records, rows, revoked };
}

describe('the engine storage adapter (SPEC-MUST 23, 24, 35)', () => {
  const vault = new Vault(KeyRing.parse(KeyRing.generateSpec('k1')));

  it('stores the id hashed and the payload sealed: neither appears in the row', async () => {
    const { records, rows } = memoryRecords();
    const Adapter = oauthRecordAdapter(records, vault);
    await new Adapter('RefreshToken').upsert(
      'the-refresh-token-value',
      { jti: 'the-refresh-token-value', grantId: 'g1', exp: 9999999999 } as never,
      60,
    );
    const [row] = [...rows.values()];
    expect(row!.key).toBe(recordKey('RefreshToken', 'the-refresh-token-value'));
    expect(JSON.stringify(row)).not.toContain('the-refresh-token-value');
    expect(await new Adapter('RefreshToken').find('the-refresh-token-value')).toMatchObject({
      grantId: 'g1',
    });
  });

  it('a second consume of the same token fails and revokes the grant, the grant record included', async () => {
    const { records, rows, revoked } = memoryRecords();
    const Adapter = oauthRecordAdapter(records, vault);
    const codes = new Adapter('AuthorizationCode');
    await new Adapter('Grant').upsert('g1', { jti: 'g1' } as never, 600);
    await codes.upsert('code-1', { jti: 'code-1', grantId: 'g1', exp: 9999999999 } as never, 60);
    await codes.consume('code-1');
    await expect(codes.consume('code-1')).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(revoked).toEqual([['g1', recordKey('Grant', 'g1')]]);
    expect(rows.size).toBe(0);
  });

  it('a used refresh token presented after it expired is a replay: the grant is revoked', async () => {
    const { records, revoked } = memoryRecords();
    const Adapter = oauthRecordAdapter(records, vault);
    const tokens = new Adapter('RefreshToken');
    const expired = Math.floor(Date.now() / 1000) - 5;
    await tokens.upsert('rt-1', { jti: 'rt-1', grantId: 'g2', exp: expired } as never, 60);
    await tokens.consume('rt-1');
    expect(await tokens.find('rt-1')).toBeUndefined();
    expect(revoked).toEqual([['g2', recordKey('Grant', 'g2')]]);
  });

  it('an expired token that was never used is only expired (the engine says so), nothing revoked', async () => {
    const { records, revoked } = memoryRecords();
    const Adapter = oauthRecordAdapter(records, vault);
    const tokens = new Adapter('RefreshToken');
    await tokens.upsert('rt-2', { jti: 'rt-2', grantId: 'g3', exp: 1 } as never, 60);
    expect(await tokens.find('rt-2')).toMatchObject({ jti: 'rt-2' });
    expect(revoked).toEqual([]);
  });

  describe('the refresh-token reuse window', () => {
    it('a token rotated within the window is shown unused once, and its consume takes the retry', async () => {
      const { records, rows, revoked } = memoryRecords();
      const rotations = new RefreshRotationContext();
      const Adapter = oauthRecordAdapter(records, vault, { reuseWindowSeconds: 30, rotations });
      const tokens = new Adapter('RefreshToken');
      await tokens.upsert('rt-3', { jti: 'rt-3', grantId: 'g4', exp: 9999999999 } as never, 60);
      await rotations.run(() => tokens.consume('rt-3'));
      // Outside a token request (introspection, revocation) it is what it is: used.
      expect((await tokens.find('rt-3'))?.consumed).toEqual(expect.any(Number));
      await rotations.run(async () => {
        expect((await tokens.find('rt-3'))?.consumed).toBeUndefined();
        await tokens.consume('rt-3');
      });
      expect(revoked).toEqual([]);
      // The retry is spent: shown used (the engine revokes), and a third consume revokes too.
      expect((await tokens.find('rt-3'))?.consumed).toEqual(expect.any(Number));
      await expect(tokens.consume('rt-3')).rejects.toMatchObject({ error: 'invalid_grant' });
      expect(revoked).toEqual([['g4', recordKey('Grant', 'g4')]]);
      expect(rows.size).toBe(0);
    });

    it('after the window, or with the window off, a rotated token is a replay', async () => {
      for (const [window, age] of [
        [30, 31],
        [0, 0],
      ] as const) {
        const { records, rows, revoked } = memoryRecords();
        const tokens = new (oauthRecordAdapter(records, vault, { reuseWindowSeconds: window }))(
          'RefreshToken',
        );
        await tokens.upsert('rt-4', { jti: 'rt-4', grantId: 'g5', exp: 9999999999 } as never, 60);
        await tokens.consume('rt-4');
        rows.get(recordKey('RefreshToken', 'rt-4'))!.consumedAgeSeconds = age;
        expect((await tokens.find('rt-4'))?.consumed).toEqual(expect.any(Number));
        await expect(tokens.consume('rt-4')).rejects.toMatchObject({ error: 'invalid_grant' });
        expect(revoked).toEqual([['g5', recordKey('Grant', 'g5')]]);
      }
    });

    it('authorization codes have no window', async () => {
      const { records, revoked } = memoryRecords();
      const codes = new (oauthRecordAdapter(records, vault, { reuseWindowSeconds: 30 }))(
        'AuthorizationCode',
      );
      await codes.upsert('c-1', { jti: 'c-1', grantId: 'g6', exp: 9999999999 } as never, 60);
      await codes.consume('c-1');
      expect((await codes.find('c-1'))?.consumed).toEqual(expect.any(Number));
      await expect(codes.consume('c-1')).rejects.toMatchObject({ error: 'invalid_grant' });
      expect(revoked).toEqual([['g6', recordKey('Grant', 'g6')]]);
    });
  });
});
