import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import { sha256Hex, type Vault } from '@app/crypto';
import type { OAuthRecordRepository, OAuthRecordRow } from '@app/persistence';
import { oauthRecordBinding } from '@app/vault';
import type { RefreshRotationContext } from './refresh-rotation.context';

/** Models whose single use is a security property: a replay revokes the grant. */
const REPLAYABLE = new Set(['AuthorizationCode', 'RefreshToken']);
/** Models saved once a user completed a sign-in with a client. */
const SIGNED_IN = new Set(['Grant', 'AuthorizationCode']);

/** The row key of an engine record: its model and the SHA-256 of its id. */
export function recordKey(model: string, id: string): string {
  return `${model}:${sha256Hex(id)}`;
}

/**
 * The engine's storage interface (oidc-provider `Adapter`) over Postgres, one class per model.
 * Durable, so a restart loses no client, grant or refresh token. The engine's ids (bearer secrets
 * for codes, refresh tokens and sessions) are stored as SHA-256 only and payloads are sealed by
 * the vault, bound to their row (SPEC-MUST 35). `consume` is atomic: of two requests presenting
 * the same code or refresh token at once, one wins and the other revokes the grant.
 *
 * Reuse window (`reuseWindowSeconds`, 0 = strict): a refresh token rotated less than that long
 * ago may be presented once more, by the same client (the engine checks the client before it
 * looks at `consumed`), and is rotated again; the successor it had been rotated to is superseded
 * (stored used, so whoever holds it replays and revokes the family when presenting it). One retry
 * per token, and none once a successor was used: the family never forks, and nothing can mint
 * tokens from one stolen refresh token beyond what the window already allows its holder.
 */
export function oauthRecordAdapter(
  records: OAuthRecordRepository,
  vault: Vault,
  refresh: { reuseWindowSeconds: number; rotations?: RefreshRotationContext } = {
    reuseWindowSeconds: 0,
  },
): new (model: string) => Adapter {
  const window = refresh.reuseWindowSeconds;
  return class OAuthRecordAdapter implements Adapter {
    constructor(private readonly model: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const key = this.key(id);
      const text = (value: unknown) => (typeof value === 'string' ? value : null);
      const rotation = this.model === 'RefreshToken' ? refresh.rotations?.current() : undefined;
      await records.upsert(
        key,
        this.model,
        vault.seal(JSON.stringify(payload), oauthRecordBinding(key)),
        {
          grantId: text(payload.grantId),
          userCode: text(payload.userCode),
          uid: text(payload.uid),
          clientId: text(this.model === 'Client' ? payload.client_id : payload.clientId),
        },
        Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : undefined,
        rotation?.rotatedFrom === undefined
          ? undefined
          : { rotatedFrom: rotation.rotatedFrom, viaRetry: rotation.viaRetry === true },
      );
      // A grant or a code means a sign-in completed: the client is no longer an unused one.
      if (SIGNED_IN.has(this.model) && typeof payload.clientId === 'string') {
        await records.markClientSignedIn(recordKey('Client', payload.clientId));
      }
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      const row = await records.find(this.key(id));
      const payload = this.open(row);
      if (payload?.consumed === undefined || !REPLAYABLE.has(this.model)) {
        return payload;
      }
      // The engine checks expiry before use, so a used code or refresh token presented after it
      // expired would only be "not found": a replay all the same, answered like one.
      if (
        typeof payload.exp === 'number' &&
        payload.exp * 1000 <= Date.now() &&
        typeof payload.grantId === 'string'
      ) {
        await this.revokeByGrantId(payload.grantId);
        return undefined;
      }
      // A refresh token rotated moments ago whose retry is still open: shown unused to the token
      // endpoint only (the one place a rotation context exists), so the engine rotates it again
      // and `consume` takes the retry, atomically, or revokes. Introspection and revocation see
      // it as it is: used, hence inactive.
      if (
        this.model === 'RefreshToken' &&
        refresh.rotations?.current() !== undefined &&
        retryOpen(row!)
      ) {
        const { consumed: _consumed, ...unused } = payload;
        return unused;
      }
      return payload;
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return this.open(await records.findByUid(this.model, uid));
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return this.open(await records.findByUserCode(this.model, userCode));
    }

    async consume(id: string): Promise<void> {
      const key = this.key(id);
      const rotation = this.model === 'RefreshToken' ? refresh.rotations?.current() : undefined;
      if (await records.consume(key)) {
        Object.assign(rotation ?? {}, { rotatedFrom: key, viaRetry: false });
        return;
      }
      if (
        this.model === 'RefreshToken' &&
        window > 0 &&
        (await records.takeRotationRetry(key, window))
      ) {
        Object.assign(rotation ?? {}, { rotatedFrom: key, viaRetry: true });
        return;
      }
      // Someone else consumed it between the engine's check and now: a concurrent replay.
      const row = await records.find(key);
      if (row?.grantId) {
        await this.revokeByGrantId(row.grantId);
      }
      throw new errors.InvalidGrant('grant request is invalid');
    }

    destroy(id: string): Promise<void> {
      return records.destroy(this.key(id));
    }

    revokeByGrantId(grantId: string): Promise<void> {
      return records.revokeByGrantId(grantId, recordKey('Grant', grantId));
    }

    private key(id: string): string {
      return recordKey(this.model, id);
    }

    private open(row: OAuthRecordRow | undefined): AdapterPayload | undefined {
      if (row === undefined) {
        return undefined;
      }
      const payload = vault.openJson<AdapterPayload>(
        row.payloadSealed,
        oauthRecordBinding(row.key),
      );
      return row.consumed === null ? payload : { ...payload, consumed: row.consumed };
    }
  };

  function retryOpen(row: OAuthRecordRow): boolean {
    return (
      window > 0 &&
      !row.retryUsed &&
      row.consumedAgeSeconds !== null &&
      row.consumedAgeSeconds < window
    );
  }
}
