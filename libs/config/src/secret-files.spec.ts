import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConfigError, FILE_VARIABLES, loadConfig, tokenBrokerSchema } from '@app/config';
import { KeyRing } from '@app/crypto';

describe('<NAME>_FILE: a secret read from a file (the Docker secrets convention)', () => {
  const valid = {
    ADMIN_TOKEN: 'x'.repeat(32),
    VAULT_KEYS: KeyRing.generateSpec('k1'),
    API_KEY_PEPPER: randomBytes(32).toString('base64'),
    INTERNAL_API_TOKEN: 'i'.repeat(32),
  };
  let dir: string;
  const file = (name: string, content: string): string => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const problemsOf = (env: Record<string, string>): ConfigError['problems'] => {
    try {
      loadConfig(tokenBrokerSchema, env);
    } catch (error) {
      if (error instanceof ConfigError) {
        return error.problems;
      }
      throw error;
    }
    throw new Error('the configuration was accepted');
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'secret-files-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('covers every secret of the broker and the workers', () => {
    expect([...FILE_VARIABLES].sort()).toEqual(
      [
        'ADMIN_TOKEN',
        'API_KEY_PEPPER',
        'DATABASE_URL',
        'INTERNAL_API_TOKEN',
        'LOGIN_IDP_CLIENT_SECRET',
        'REDIS_URL',
        'VAULT_KEYS',
      ].sort(),
    );
  });

  it('reads each secret from its file, less one trailing newline', () => {
    const { ADMIN_TOKEN, ...rest } = valid;
    const config = loadConfig(tokenBrokerSchema, {
      ...rest,
      ADMIN_TOKEN_FILE: file('admin', `${ADMIN_TOKEN}\n`),
      VAULT_KEYS: '',
      VAULT_KEYS_FILE: file('vault', `${valid.VAULT_KEYS}\r\n`),
    });
    expect(config.ADMIN_TOKEN).toBe(ADMIN_TOKEN);
    expect(config.VAULT_KEYS).toBe(valid.VAULT_KEYS);
  });

  it('takes off one trailing newline only (the rest is the value, and is validated)', () => {
    const { ADMIN_TOKEN, ...rest } = valid;
    expect(problemsOf({ ...rest, ADMIN_TOKEN_FILE: file('admin', `${ADMIN_TOKEN}\n\n`) })).toEqual([
      {
        variable: 'ADMIN_TOKEN',
        message:
          'must use only A-Z a-z 0-9 - . _ ~ + / (and trailing =) (read from ADMIN_TOKEN_FILE)',
      },
    ]);
  });

  it('refuses a secret set both ways, naming the variable', () => {
    expect(
      problemsOf({ ...valid, ADMIN_TOKEN_FILE: file('admin', `${'y'.repeat(32)}\n`) }),
    ).toEqual([
      { variable: 'ADMIN_TOKEN_FILE', message: 'must not be set together with ADMIN_TOKEN' },
    ]);
  });

  it('treats an empty <NAME>_FILE as unset', () => {
    expect(loadConfig(tokenBrokerSchema, { ...valid, ADMIN_TOKEN_FILE: '' }).ADMIN_TOKEN).toBe(
      valid.ADMIN_TOKEN,
    );
  });

  it('names the variable of a file that does not exist, never its path or a value', () => {
    const { API_KEY_PEPPER, ...rest } = valid;
    const path = join(dir, 'secret-path-not-there');
    const problems = problemsOf({ ...rest, API_KEY_PEPPER_FILE: path });
    expect(problems).toEqual([
      { variable: 'API_KEY_PEPPER_FILE', message: 'cannot be read (ENOENT)' },
    ]);
    expect(JSON.stringify(problems)).not.toContain('secret-path-not-there');
    expect(JSON.stringify(problems)).not.toContain(API_KEY_PEPPER);
  });

  it('names the variable of a file it may not read', () => {
    const { ADMIN_TOKEN, ...rest } = valid;
    const path = file('admin', ADMIN_TOKEN);
    chmodSync(path, 0o000);
    // root reads anything: the directory instead (EISDIR) stands for a file that cannot be read
    const unreadable = process.getuid?.() === 0 ? dir : path;
    const [problem] = problemsOf({ ...rest, ADMIN_TOKEN_FILE: unreadable });
    expect(problem.variable).toBe('ADMIN_TOKEN_FILE');
    expect(problem.message).toMatch(/^cannot be read \((EACCES|EISDIR)\)$/);
  });

  it('says a file-sourced value is missing when the file is empty', () => {
    const { ADMIN_TOKEN: _unused, ...rest } = valid;
    expect(problemsOf({ ...rest, ADMIN_TOKEN_FILE: file('admin', '\n') })).toEqual([
      { variable: 'ADMIN_TOKEN', message: 'is required (read from ADMIN_TOKEN_FILE)' },
    ]);
  });
});
