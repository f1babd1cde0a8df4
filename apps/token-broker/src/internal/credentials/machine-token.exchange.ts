import { randomUUID } from 'node:crypto';
import { importPKCS8, SignJWT } from 'jose';
import type { Vault } from '@app/crypto';
import type { ServiceAccountEntity } from '@app/persistence';
import { expiresIn, type TokenEndpointClient } from '@app/provider-flows';
import { serviceAccountSecretBinding } from '@app/vault';
import { CredentialError } from './credential.error';
import type { InjectedCredential } from './service-account-credential.usecase';

const ASSERTION_LIFETIME_S = 3600;

/**
 * The header of one service account, obtained afresh: static secrets as they are, OAuth client
 * credentials (RFC 6749 §4.4) and Google service accounts (JWT bearer, RFC 7523) exchanged at the
 * token endpoint. Caching and renewal are the use case's.
 */
export class MachineTokenExchange {
  constructor(
    private readonly vault: Vault,
    private readonly tokens: TokenEndpointClient,
  ) {}

  async obtain(account: ServiceAccountEntity, now: number): Promise<InjectedCredential> {
    const secret = this.vault.openJson<Record<string, string>>(
      account.secretSealed,
      serviceAccountSecretBinding(account.id, account.type),
    );
    const settings = account.settings;
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
          .setExpirationTime(Math.floor(now / 1000) + ASSERTION_LIFETIME_S)
          .setJti(randomUUID());
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
          'credential_unusable',
          `service account "${account.name}" has an unknown type`,
        );
    }
  }

  /** Machine tokens without a stated lifetime are reused 5 minutes; lifetimes are capped at a day. */
  private bearer(
    accessToken: string,
    seconds: number | undefined,
    now: number,
  ): InjectedCredential {
    return {
      headers: { authorization: `Bearer ${accessToken}` },
      expiresAt: new Date(now + expiresIn(seconds) * 1000),
    };
  }
}
