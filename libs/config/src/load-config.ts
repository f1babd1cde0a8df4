import type { z } from 'zod';
import { ConfigError } from './config.error';

type Env = Record<string, string | undefined>;

/**
 * Validates `env` (default: the process environment) against an app's schema. Empty strings count
 * as unset so `FOO=` in a compose file falls back to the default. Throws ConfigError naming each bad
 * variable; values are never included because they may be secrets.
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: Env = process.env): z.infer<S> {
  const cleaned: Env = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value !== '') {
      cleaned[key] = value;
    }
  }
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({
        variable: issue.path.map(String).join('.') || '(environment)',
        message:
          issue.code === 'invalid_type' && issue.input === undefined
            ? 'is required'
            : issue.message,
      })),
    );
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
