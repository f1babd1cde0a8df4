/** Raised when the environment does not satisfy an app's schema. Names variables, never values. */
export class ConfigError extends Error {
  readonly code = 'invalid_config' as const;

  constructor(readonly problems: { variable: string; message: string }[]) {
    super(
      `Invalid configuration: ${problems.map((p) => `${p.variable}: ${p.message}`).join('; ')}`,
    );
    this.name = 'ConfigError';
  }
}
