export {
  RotateVaultKeysUseCase,
  type OldKeyCount,
  type RotationProgress,
  type RotationReport,
} from './rotate-vault-keys.usecase';
export { SEALED_COLUMNS, type SealedColumn } from './sealed-columns';
export {
  providerSecretBinding,
  serviceAccountSecretBinding,
  signingKeySecretBinding,
  connectionTokenBinding,
  deviceCodeBinding,
  pkceVerifierBinding,
  oauthRecordBinding,
  loginStateBinding,
  type ConnectionTokenField,
} from './seal-bindings';
export { SIGNING_ALG, SigningKeyStore, type ActiveSigningKey } from './signing-key.store';
export { API_KEY_PEPPER, VaultModule } from './vault.module';
