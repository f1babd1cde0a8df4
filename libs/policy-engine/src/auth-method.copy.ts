import type { AuthMethod } from './policy.types';

/**
 * A copy of an auth method with exactly its type's fields, in the document's order (`type`
 * first). `copyScopes` decides how the scope list is copied (frozen for cached resolutions).
 */
export function copyAuthMethod(
  method: AuthMethod,
  copyScopes: (scopes: readonly string[]) => string[] = (scopes) => [...scopes],
): AuthMethod {
  switch (method.type) {
    case 'oauth':
    case 'device_code':
      return { type: method.type, provider: method.provider, scopes: copyScopes(method.scopes) };
    case 'api_key':
      return { type: method.type, key_ref: method.key_ref };
    case 'service_account':
      return { type: method.type, account_ref: method.account_ref };
    case 'none':
    case 'deny':
      return { type: method.type };
  }
}
