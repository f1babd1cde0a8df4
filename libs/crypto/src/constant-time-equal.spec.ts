import { constantTimeEqual } from '@app/crypto';

describe('SPEC-MUST 36: constant-time secret comparison', () => {
  it('accepts the same secret', () => {
    expect(constantTimeEqual('s3cret-token-value', 's3cret-token-value')).toBe(true);
  });

  it('rejects a different secret of the same length', () => {
    expect(constantTimeEqual('s3cret-token-valuX', 's3cret-token-value')).toBe(false);
  });

  it('rejects prefixes and extensions without throwing on length mismatch', () => {
    expect(constantTimeEqual('s3cret', 's3cret-token-value')).toBe(false);
    expect(constantTimeEqual('s3cret-token-value-and-more', 's3cret-token-value')).toBe(false);
    expect(constantTimeEqual('', 's3cret-token-value')).toBe(false);
  });
});
