import { credentialAnswerSchema } from './credential-resolution.schema';

describe('inject answer: the credential identity for the call trail (issue 9 §4)', () => {
  const base = { outcome: 'inject', headers: { authorization: 'Bearer x' }, expires_at: null };

  it('parses an older broker answer without `credential`', () => {
    expect(credentialAnswerSchema.safeParse(base).success).toBe(true);
  });

  it('parses kind, id and generation', () => {
    const parsed = credentialAnswerSchema.parse({
      ...base,
      credential: { kind: 'connection', id: 'c-1', generation: 3 },
    });
    expect(parsed).toMatchObject({ credential: { kind: 'connection', id: 'c-1', generation: 3 } });
  });

  it.each([
    ['an unknown kind', { kind: 'password', id: 'c-1', generation: null }],
    ['a secret riding along', { kind: 'static', id: 'c-1', generation: null, token: 'x' }],
    ['a negative generation', { kind: 'connection', id: 'c-1', generation: -1 }],
  ])('refuses %s', (_name, credential) => {
    expect(credentialAnswerSchema.safeParse({ ...base, credential }).success).toBe(false);
  });
});
