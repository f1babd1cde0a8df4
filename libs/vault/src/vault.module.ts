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
    const providers = [
      { provide: Vault, useValue: new Vault(KeyRing.parse(options.vaultKeys)) },
      RotateVaultKeysUseCase,
      SigningKeyStore,
      ...(options.apiKeyPepper === undefined
        ? []
        : [{ provide: API_KEY_PEPPER, useValue: parsePepper(options.apiKeyPepper) }]),
    ];
    return {
      module: VaultModule,
      global: true,
      providers,
      exports: providers.map((p) => ('provide' in p ? p.provide : p)),
    };
  }
}
