import { Injectable } from '@nestjs/common';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { DataSource, type EntityManager } from 'typeorm';
import { Vault } from '@app/crypto';
import { SigningKeyEntity } from '@app/persistence';
import { signingKeySecretBinding } from './seal-bindings';

/** ES256 (RFC 7518 §3.4): small keys and signatures, supported by every JOSE library. */
export const SIGNING_ALG = 'ES256';
// Serialises key creation and rotation across broker and worker processes.
const SIGNING_KEY_LOCK = 0x6d63706b; // "mcpk"

export interface ActiveSigningKey {
  kid: string;
  alg: string;
  /** Private JWK, for the signer only; never logged, never published. */
  privateJwk: JWK;
}

/**
 * The broker's token-signing keys: one active key signs; the previous one stays published in
 * the JWKS so tokens it signed keep verifying until they expire. Private keys are sealed by the
 * vault, bound to their kid.
 */
@Injectable()
export class SigningKeyStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly vault: Vault,
  ) {}

  /** The active key, created on first use. */
  async active(): Promise<ActiveSigningKey> {
    const existing = await this.dataSource
      .getRepository(SigningKeyEntity)
      .findOneBy({ state: 'active' });
    const row =
      existing ??
      (await this.dataSource.transaction(async (m) => {
        await m.query('SELECT pg_advisory_xact_lock($1)', [SIGNING_KEY_LOCK]);
        return (
          (await m.getRepository(SigningKeyEntity).findOneBy({ state: 'active' })) ??
          this.insertActive(m)
        );
      }));
    return {
      kid: row.kid,
      alg: row.alg,
      privateJwk: this.vault.openJson<JWK>(row.privateJwkSealed, signingKeySecretBinding(row.kid)),
    };
  }

  /** Makes a new active key; the active one becomes previous, the previous one is deleted. */
  async rotate(): Promise<string> {
    return this.dataSource.transaction(async (m) => {
      await m.query('SELECT pg_advisory_xact_lock($1)', [SIGNING_KEY_LOCK]);
      return this.rotateLocked(m);
    });
  }

  /**
   * Rotates only when the active key is older than `maxAgeMs` (or missing); returns the new kid,
   * or null when the key was young enough. Checked under the rotation lock, so two schedulers,
   * replicas or a retried job never rotate twice in a row — a second rotation would drop the key
   * that signed the tokens still in use.
   */
  async rotateIfOlderThan(maxAgeMs: number): Promise<string | null> {
    return this.dataSource.transaction(async (m) => {
      await m.query('SELECT pg_advisory_xact_lock($1)', [SIGNING_KEY_LOCK]);
      const [due]: { due: boolean }[] = await m.query(
        `SELECT coalesce(bool_and(created_at < now() - make_interval(secs => $1::float8)), true) AS due
           FROM signing_keys WHERE state = 'active'`,
        [maxAgeMs / 1000],
      );
      return due.due ? this.rotateLocked(m) : null;
    });
  }

  /**
   * The private JWKs of the active key (first: it signs) and the previous one (published so its
   * tokens keep verifying), for the authorization server's engine. Creates the active key on first use.
   */
  async privateJwks(): Promise<JWK[]> {
    const active = await this.active();
    const previous = await this.dataSource
      .getRepository(SigningKeyEntity)
      .findOneBy({ state: 'previous' });
    return [
      active.privateJwk,
      ...(previous === null
        ? []
        : [
            this.vault.openJson<JWK>(
              previous.privateJwkSealed,
              signingKeySecretBinding(previous.kid),
            ),
          ]),
    ].map((jwk) => ({ ...jwk, use: 'sig' }));
  }

  /** RFC 7517 JWK Set of the active and previous public keys (what `/jwks` serves). */
  async publicJwks(): Promise<{ keys: JWK[] }> {
    const rows = await this.dataSource
      .getRepository(SigningKeyEntity)
      .find({ where: [{ state: 'active' }, { state: 'previous' }], order: { createdAt: 'DESC' } });
    return {
      keys: rows.map((row) => ({ ...row.publicJwk, kid: row.kid, alg: row.alg, use: 'sig' })),
    };
  }

  private async rotateLocked(m: EntityManager): Promise<string> {
    // The key before the previous one is no longer published: nothing may verify or sign with
    // it, so its private half is not kept either.
    await m.query(`DELETE FROM signing_keys WHERE state = 'previous'`);
    await m.query(`UPDATE signing_keys SET state = 'previous' WHERE state = 'active'`);
    return (await this.insertActive(m)).kid;
  }

  private async insertActive(m: EntityManager): Promise<SigningKeyEntity> {
    const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: SIGNING_ALG };
    return m.getRepository(SigningKeyEntity).save({
      kid,
      alg: SIGNING_ALG,
      publicJwk: publicJwk as Record<string, unknown>,
      privateJwkSealed: this.vault.seal(JSON.stringify(privateJwk), signingKeySecretBinding(kid)),
      state: 'active',
      retiredAt: null,
    });
  }
}
