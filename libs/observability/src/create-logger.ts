import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Structured JSON logger for one app. Header and body fields that can carry credentials are
 * redacted wherever they appear, as a second line of defence: request logs never include headers
 * or bodies in the first place (see http serializers below).
 */
export function createLogger(app: string, level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { app },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: [
          'authorization',
          '*.authorization',
          '*.headers.authorization',
          '*.headers.cookie',
          '*.headers["x-api-key"]',
          'password',
          '*.password',
          'token',
          '*.token',
          'secret',
          '*.secret',
          'client_secret',
          '*.client_secret',
          'access_token',
          '*.access_token',
          'refresh_token',
          '*.refresh_token',
          // A failed query's error (TypeORM QueryFailedError) carries its parameters: sealed
          // tokens and secrets on the credential paths.
          'err.parameters',
          'err.cause.parameters',
        ],
        censor: '[redacted]',
      },
      serializers: {
        // Path only: query strings can hold codes or state on OAuth callbacks.
        req: (req: { id?: string; method?: string; url?: string }) => ({
          id: req.id,
          method: req.method,
          path: req.url?.split('?')[0],
        }),
        res: (res: { statusCode?: number }) => ({ status: res.statusCode }),
        err: pino.stdSerializers.err,
      },
    },
    destination,
  );
}
