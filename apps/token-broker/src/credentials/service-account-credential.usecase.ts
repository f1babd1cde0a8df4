import { Injectable } from '@nestjs/common';
import { importPKCS8, SignJWT } from 'jose';
import { Vault } from '@app/crypto';
import { type ServiceAccountEntity, ServiceAccountRepository } from '@app/persistence';
import { serviceAccountSecretBinding } from '@app/vault';
import { CredentialError } from './credential.error';
import { TokenEndpointClient } from './token-endpoint.client';

export interface InjectedCredential {
  headers: Record<string, string>;
  /** When the credential stops working; null for static secrets. */
  expiresAt: Date | null;
}

// Obtained tokens are reused until this close to their expiry.
const REFRESH_SKEW_MS = 60_000;
const ASSERTION_LIFETIME_S = 3600;

/**
 * The header to inject for a service account: static secrets as they are, OAuth client
 * credentials (RFC 6749 §4.4) and Google service accounts (JWT bearer, RFC 7523) exchanged at the
 * token endpoint and kept in memory until shortly before expiry (never in Redis or logs).
 */
@Injectable()
export class ServiceAccountCredentialUseCase {
  private readonly cache = new Map<
    string,
    { version: number; credential: Promise<InjectedCredential> }
  >();

  constructor(
    private readonly accounts: ServiceAccountRepository,
    private readonly vault: Vault,
    private readonly tokens: TokenEndpointClient,
  ) {}

  async execute(accountRef: string, now = Date.now()): Promise<InjectedCredential> {
    const account = await this.accounts.findByName(accountRef);
    if (!account) {
      throw new CredentialError(
        'unknown_account',
        `service account "${accountRef}" does not exist`,
      );
    }
    // One entry per account, tagged with its row version: any edit (new secret, scopes)
    // invalidates at once, and old versions do not pile up.
    const cached = this.cache.get(account.id);
    if (cached && cached.version === account.rowVersion) {
      const credential = await cached.credential.catch(() => null);
      if (
        credential &&
        (credential.expiresAt === null || credential.expiresAt.getTime() - REFRESH_SKEW_MS > now)
      ) {
        return credential;
      }
    }
    const pending = this.obtain(account, now);
    const entry = { version: account.rowVersion, credential: pending };
    this.cache.set(account.id, entry);
    pending.catch(() => {
      if (this.cache.get(account.id) === entry) {
        this.cache.delete(account.id);
      }
    });
    return pending;
  }

  private async obtain(account: ServiceAccountEntity, now: number): Promise<InjectedCredential> {
    const secret = JSON.parse(
      this.vault.open(
        account.secretSealed,
        serviceAccountSecretBinding(account.name, account.type),
      ),
    ) as Record<string, string>;
    const settings = account.settings as Record<string, unknown>;
    const scopes = Array.isArray(settings.scopes) ? (settings.scopes as string[]) : [];
    switch (account.type) {
      case 'github_pat':
      case 'gitlab_pat':
      case 'static_bearer':
        return { headers: { authorization: `Bearer ${secret.token}` }, expiresAt: null };
      case 'static_header':
        return {
          headers: { [String(settings.header_name).toLowerCase()]: secret.value },
          expiresAt: null,
        };
      case 'oauth2_client_credentials': {
        const form: Record<string, string> = { grant_type: 'client_credentials' };
        if (scopes.length > 0) {
          form.scope = scopes.join(' ');
        }
        if (typeof settings.resource === 'string') {
          form.resource = settings.resource;
        }
        const token = await this.tokens.request(String(settings.token_endpoint), form, {
          id: String(settings.client_id),
          secret: secret.client_secret,
        });
        return this.bearer(token.access_token, token.expires_in, now);
      }
      case 'google_service_account': {
        const key = await importPKCS8(secret.private_key, 'RS256');
        const header =
          typeof settings.private_key_id === 'string'
            ? { alg: 'RS256', kid: settings.private_key_id }
            : { alg: 'RS256' };
        const jwt = new SignJWT({ scope: scopes.join(' ') })
          .setProtectedHeader(header)
          .setIssuer(String(settings.client_email))
          .setAudience(String(settings.token_uri))
          .setIssuedAt(Math.floor(now / 1000))
          .setExpirationTime(Math.floor(now / 1000) + ASSERTION_LIFETIME_S);
        if (typeof settings.subject === 'string') {
          jwt.setSubject(settings.subject); // domain-wide delegation: act as this user
        }
        const assertion = await jwt.sign(key);
        const token = await this.tokens.request(String(settings.token_uri), {
          grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
          assertion,
        });
        return this.bearer(token.access_token, token.expires_in, now);
      }
      default:
        throw new CredentialError(
          'unknown_account',
          `service account "${account.name}" has an unknown type`,
        );
    }
  }

  private bearer(
    accessToken: string,
    expiresIn: number | undefined,
    now: number,
  ): InjectedCredential {
    return {
      headers: { authorization: `Bearer ${accessToken}` },
      expiresAt: expiresIn === undefined ? null : new Date(now + expiresIn * 1000),
    };
  }
}
