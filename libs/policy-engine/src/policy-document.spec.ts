import fc from 'fast-check';
import {
  MAX_DOCUMENT_BYTES,
  parsePolicyDocument,
  serializePolicyDocument,
} from './policy-document';
import {
  AUTH_METHOD_TYPES,
  type AuthMethod,
  type FieldError,
  type Policy,
  type Validated,
} from './policy.types';

function errorsOf<T>(result: Validated<T>): FieldError[] {
  if (result.ok) {
    throw new Error('expected parsing to fail');
  }
  return result.errors;
}

const REFERENCE = `
auth_policies:
  - name: "GitHub Tools"
    match_pattern: "github.*"
    priority: 100
    auth_method: { type: oauth, provider: github, scopes: ["repo:read", "user:email"] }
  - name: "Admin Tools"
    match_pattern: "admin.*"
    priority: 200
    auth_method: { type: api_key, key_ref: admin_key }
`;

describe('policy documents', () => {
  describe('parsing', () => {
    it('reads the reference YAML verbatim, filling defaults', () => {
      const result = parsePolicyDocument(REFERENCE, 'yaml');
      expect(result.ok && result.value[1]).toEqual({
        name: 'Admin Tools',
        match_pattern: 'admin.*',
        priority: 200,
        enabled: true,
        description: '',
        auth_method: { type: 'api_key', key_ref: 'admin_key' },
      });
    });

    it('reads JSON', () => {
      const json = JSON.stringify({
        auth_policies: [
          { name: 'a', match_pattern: 'a.*', priority: 1, auth_method: { type: 'none' } },
        ],
      });
      expect(parsePolicyDocument(json, 'json').ok).toBe(true);
    });

    it('a YAML syntax error becomes a body error with line and column', () => {
      const errors = errorsOf(
        parsePolicyDocument('auth_policies:\n  - name: [a, b\n  priority: 1\n', 'yaml'),
      );
      expect(errors[0]).toEqual({
        field: 'body',
        message: expect.stringMatching(/^line \d+, column \d+: \S/) as string,
      });
    });

    it('a JSON syntax error becomes a body error, with line and column when V8 gives a position', () => {
      expect(errorsOf(parsePolicyDocument('{\n  "auth_policies": [],\n}', 'json'))).toEqual([
        {
          field: 'body',
          message: expect.stringMatching(/^invalid JSON at line 3, column 1: \S/) as string,
        },
      ]);
      expect(errorsOf(parsePolicyDocument('{\n  "auth_policies": [', 'json'))[0].message).toMatch(
        /^invalid JSON at line 2, column 21: /,
      );
      const quoted = errorsOf(parsePolicyDocument('{\n  "auth_policies": [,]\n}', 'json'))[0]
        .message;
      expect(quoted).toMatch(/^invalid JSON: Unexpected token/);
      expect(quoted).not.toMatch(/auth_policies/);
    });

    it('YAML 1.2 core schema: yes/no/on/off stay strings, so they are not booleans', () => {
      const doc = REFERENCE.replace('priority: 200', 'priority: 200\n    enabled: no');
      expect(errorsOf(parsePolicyDocument(doc, 'yaml'))).toEqual([
        { field: 'auth_policies[1].enabled', message: 'must be a boolean' },
      ]);
    });

    it('duplicate keys and unknown tags are rejected', () => {
      expect(
        errorsOf(parsePolicyDocument('auth_policies: []\nauth_policies: []\n', 'yaml'))[0].message,
      ).toMatch(/unique/);
      expect(
        errorsOf(parsePolicyDocument('auth_policies: !!js/function x\n', 'yaml'))[0].message,
      ).toMatch(/tag/i);
    });

    it('an alias expansion bomb is refused', () => {
      const bomb = [
        'a: &a [x, x, x, x, x, x, x, x, x, x]',
        'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
        'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
        'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
        'auth_policies: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]',
      ].join('\n');
      expect(errorsOf(parsePolicyDocument(bomb, 'yaml'))).toEqual([
        { field: 'body', message: expect.stringMatching(/alias/i) as string },
      ]);
    });

    it('documents over 1 MiB are refused before parsing', () => {
      const big = `auth_policies: []\n#${'x'.repeat(MAX_DOCUMENT_BYTES)}`;
      expect(errorsOf(parsePolicyDocument(big, 'yaml'))).toEqual([
        { field: 'body', message: expect.stringMatching(/larger than/) as string },
      ]);
      const multibyte = `auth_policies: []\n#${'é'.repeat(MAX_DOCUMENT_BYTES / 2)}`;
      expect(errorsOf(parsePolicyDocument(multibyte, 'yaml'))[0].message).toMatch(/larger than/);
    });

    it('an empty document is not a policy document', () => {
      expect(errorsOf(parsePolicyDocument('', 'yaml'))).toEqual([
        { field: 'body', message: 'must be an object' },
      ]);
    });

    it('a legacy three-tier document is converted', () => {
      const result = parsePolicyDocument('auth:\n  server_level: { type: none }\n', 'yaml');
      expect(result.ok && result.value.map((p) => [p.name, p.match_pattern])).toEqual([
        ['legacy: server level', '*'],
      ]);
    });
  });

  describe('serialization', () => {
    it('exports highest priority first, without ids', () => {
      const parsed = parsePolicyDocument(REFERENCE, 'yaml');
      if (!parsed.ok) {
        throw new Error('reference must parse');
      }
      const yaml = serializePolicyDocument(parsed.value.map((p, i) => ({ ...p, id: `id-${i}` })));
      expect(yaml).not.toMatch(/\bid:/);
      expect(yaml.indexOf('Admin Tools')).toBeLessThan(yaml.indexOf('GitHub Tools'));
    });

    it('round-trips through parsePolicyDocument to the same policies', () => {
      const text = fc
        .string({ minLength: 1, maxLength: 10, unit: 'grapheme' })
        .filter((s) => s.trim() !== '');
      const method = fc
        .constantFrom(...AUTH_METHOD_TYPES)
        .chain((type): fc.Arbitrary<AuthMethod> => {
          if (type === 'oauth' || type === 'device_code') {
            return fc.record({
              type: fc.constant(type),
              provider: text,
              scopes: fc.array(text, { maxLength: 3 }),
            });
          }
          if (type === 'api_key') {
            return fc.record({ type: fc.constant(type), key_ref: text });
          }
          if (type === 'service_account') {
            return fc.record({ type: fc.constant(type), account_ref: text });
          }
          return fc.constant({ type });
        });
      const pattern = fc.constantFrom(
        '*',
        'github.*',
        '!admin.*',
        '{t,*.t}',
        'a[!b]?',
        '#x',
        'null',
        'true',
        '1',
        'yes',
      );
      const policies = fc
        .uniqueArray(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 8 })
        .chain((priorities) =>
          fc.tuple(
            ...priorities.map((priority, i) =>
              fc.record({
                name: text.map((s) => `${i}:${s}`),
                match_pattern: pattern,
                priority: fc.constant(priority),
                enabled: fc.boolean(),
                description: fc.string({ maxLength: 40, unit: 'grapheme' }),
                auth_method: method,
              }),
            ),
          ),
        );
      fc.assert(
        fc.property(policies, (list: Policy[]) => {
          const back = parsePolicyDocument(serializePolicyDocument(list), 'yaml');
          const sorted = [...list].sort((a, b) => b.priority - a.priority);
          expect(back).toEqual({ ok: true, value: sorted });
        }),
        { numRuns: 300 },
      );
    });
  });
});
