export { RotateVaultKeysUseCase, type RotationReport } from './rotate-vault-keys.usecase';
export { providerSecretBinding, serviceAccountSecretBinding } from './seal-bindings';
export { API_KEY_PEPPER, VaultModule } from './vault.module';
