import { readFileSync } from 'node:fs';

type Env = Record<string, string | undefined>;

/**
 * The secrets, each of which may instead be given as `<NAME>_FILE`: a path whose content is the
 * value (the Docker secrets convention, as the postgres image has it), so a secret need not sit in
 * the environment of a container that `docker inspect` shows. The URLs are here because they may
 * carry a password.
 */
export const FILE_VARIABLES = [
  'ADMIN_TOKEN',
  'VAULT_KEYS',
  'API_KEY_PEPPER',
  'INTERNAL_API_TOKEN',
  'LOGIN_IDP_CLIENT_SECRET',
  'DATABASE_URL',
  'REDIS_URL',
] as const;

export interface SecretFilesResult {
  env: Env;
  /** Variables whose value was read from their `_FILE`. */
  fromFile: Set<string>;
  problems: { variable: string; message: string }[];
}

/**
 * Replaces each set `<NAME>_FILE` by `<NAME>` with the file's content, less one trailing newline
 * (what `echo` and editors add). `env` holds no empty values (the loader dropped them). Problems
 * name the variable, never the path or the content.
 */
export function readSecretFiles(env: Env): SecretFilesResult {
  const resolved: Env = { ...env };
  const fromFile = new Set<string>();
  const problems: SecretFilesResult['problems'] = [];
  for (const name of FILE_VARIABLES) {
    const fileVariable = `${name}_FILE`;
    const path = env[fileVariable];
    if (path === undefined) {
      continue;
    }
    delete resolved[fileVariable];
    if (env[name] !== undefined) {
      problems.push({ variable: fileVariable, message: `must not be set together with ${name}` });
      continue;
    }
    let content: string;
    try {
      content = readFileSync(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      problems.push({ variable: fileVariable, message: `cannot be read (${code})` });
      continue;
    }
    const value = content.replace(/\r?\n$/, '');
    if (value !== '') {
      resolved[name] = value;
    }
    fromFile.add(name);
  }
  return { env: resolved, fromFile, problems };
}
