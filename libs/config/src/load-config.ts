import type { z } from 'zod';
import { ConfigError } from './config.error';
import { readSecretFiles } from './secret-files';

type Env = Record<string, string | undefined>;

/**
 * Validates `env` (default: the process environment) against an app's schema. Empty strings count
 * as unset so `FOO=` in a compose file falls back to the default. A secret may come from the file
 * its `<NAME>_FILE` names (see FILE_VARIABLES). Throws ConfigError naming each bad variable; values
 * are never included because they may be secrets.
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: Env = process.env): z.infer<S> {
  const cleaned: Env = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value !== '') {
      cleaned[key] = value;
    }
  }
  const files = readSecretFiles(cleaned);
  // A variable whose file could not be used is reported once, as its _FILE.
  const unresolved = new Set(files.problems.map((p) => p.variable.replace(/_FILE$/, '')));
  const parsed = schema.safeParse(files.env);
  const problems = [
    ...files.problems,
    ...(parsed.success ? [] : parsed.error.issues)
      .map((issue) => {
        const variable = issue.path.map(String).join('.') || '(environment)';
        const message =
          issue.code === 'invalid_type' && issue.input === undefined
            ? 'is required'
            : issue.message;
        return {
          variable,
          message: files.fromFile.has(variable)
            ? `${message} (read from ${variable}_FILE)`
            : message,
        };
      })
      .filter((problem) => !unresolved.has(problem.variable)),
  ];
  if (problems.length > 0 || !parsed.success) {
    throw new ConfigError(problems);
  }
  return parsed.data;
}

/** Loads config or prints one line per bad variable and exits: the behaviour every app's main wants. */
export function loadConfigOrExit<S extends z.ZodType>(schema: S, appName: string): z.infer<S> {
  try {
    return loadConfig(schema);
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const problem of error.problems) {
        process.stderr.write(
          `${appName}: configuration error: ${problem.variable} ${problem.message}\n`,
        );
      }
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}
