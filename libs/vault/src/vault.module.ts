import { type DynamicModule, Module } from '@nestjs/common';
import { KeyRing, parsePepper, Vault } from '@app/crypto';
import { RotateVaultKeysUseCase } from './rotate-vault-keys.usecase';
import { SigningKeyStore } from './signing-key.store';

/** Injection token of the pepper keying API-key hashes. */
export const API_KEY_PEPPER = Symbol('API_KEY_PEPPER');

/** The vault (VAULT_KEYS), optionally the API-key pepper, key rotation and the signing-key store. */
@Module({})
export class VaultModule {
  static forRoot(options: { vaultKeys: string; apiKeyPepper?: string }): DynamicModule {
    return VaultModule.forVault(
      new Vault(KeyRing.parse(options.vaultKeys)),
      options.apiKeyPepper === undefined ? undefined : parsePepper(options.apiKeyPepper),
    );
  }

  /** A vault (and pepper) built by the caller, shared by several containers of one process. */
  static forVault(vault: Vault, apiKeyPepper?: Buffer): DynamicModule {
    // Factories, not `useValue`: Nest hashes a dynamic module's metadata, values included, and
    // key material has no business in a module token.
    const providers = [
      { provide: Vault, useFactory: () => vault },
      RotateVaultKeysUseCase,
      SigningKeyStore,
      ...(apiKeyPepper === undefined
        ? []
        : [{ provide: API_KEY_PEPPER, useFactory: () => apiKeyPepper }]),
    ];
    return {
      module: VaultModule,
      global: true,
      providers,
      exports: providers.map((p) => ('provide' in p ? p.provide : p)),
    };
  }
}
