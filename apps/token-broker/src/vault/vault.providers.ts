import type { Provider } from '@nestjs/common';
import { APP_CONFIG, type TokenBrokerConfig } from '@app/config';
import { KeyRing, parsePepper, Vault } from '@app/crypto';

/** Injection token of the pepper keying API-key hashes. */
export const API_KEY_PEPPER = Symbol('API_KEY_PEPPER');

/** The vault (sealing with the active key of VAULT_KEYS) and the API-key pepper, from config. */
export const VAULT_PROVIDERS: Provider[] = [
  {
    provide: Vault,
    useFactory: (config: TokenBrokerConfig) => new Vault(KeyRing.parse(config.VAULT_KEYS)),
    inject: [APP_CONFIG],
  },
  {
    provide: API_KEY_PEPPER,
    useFactory: (config: TokenBrokerConfig) => parsePepper(config.API_KEY_PEPPER),
    inject: [APP_CONFIG],
  },
];
