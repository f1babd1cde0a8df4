import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { OAuthRecordRepository } from '@app/persistence';

/**
 * The engine's storage interface (oidc-provider `Adapter`) over Postgres: one class per model,
 * bound to the repository. Durable, so a restart loses no client, grant or refresh token.
 */
export function oauthRecordAdapter(records: OAuthRecordRepository): new (model: string) => Adapter {
  return class OAuthRecordAdapter implements Adapter {
    constructor(private readonly model: string) {}

    upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      return records.upsert(
        this.model,
        id,
        payload as Record<string, unknown>,
        Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : undefined,
      );
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      return (await records.find(this.model, id)) as AdapterPayload | undefined;
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return (await records.findByUid(this.model, uid)) as AdapterPayload | undefined;
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return (await records.findByUserCode(this.model, userCode)) as AdapterPayload | undefined;
    }

    consume(id: string): Promise<void> {
      return records.consume(this.model, id);
    }

    destroy(id: string): Promise<void> {
      return records.destroy(this.model, id);
    }

    revokeByGrantId(grantId: string): Promise<void> {
      return records.revokeByGrantId(grantId);
    }
  };
}
