import { z } from 'zod';
import { isLoopbackHost, KeyRing, parsePepper } from '@app/crypto';

import { refreshShape } from './refresh.shape';
import { checkedBy, port } from './schema-parts';

const url = (protocols: string[], fallback?: string) => {
  const base = z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    {
      message: `must be a URL with scheme ${protocols.map((p) => p.replace(':', '')).join(' or ')}`,
    },
  );
  return fallback === undefined ? base : base.default(fallback);
};
/** A comma-separated list, parsed once into the set the code looks entries up in. */
const commaSet = (normalise: (entry: string) => string = (entry) => entry) =>
  z
    .string()
    .default('')
    .transform(
      (value) =>
        new Set(
          value
            .split(',')
            .map((entry) => normalise(entry.trim()))
            .filter((entry) => entry !== ''),
        ),
    );
/**
 * A public URL of ours or of an IdP: https, or http on a loopback host (development); no query,
 * fragment, credentials or trailing slash. Ours are origins (everything is mounted at the root);
 * an IdP's issuer may have a path.
 */
const publicUrl = (fallback?: string, options: { path?: boolean } = {}) => {
  const base = z.string().superRefine((value, ctx) => {
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an absolute URL' });
      return;
    }
    if (
      parsed.protocol !== 'https:' &&
      !(parsed.protocol === 'http:' && isLoopbackHost(parsed.hostname))
    ) {
      ctx.addIssue({
        code: 'custom',
        message: 'must use https (http only on localhost, 127.0.0.1 or [::1])',
      });
    }
    if (
      parsed.search !== '' ||
      parsed.hash !== '' ||
      parsed.username !== '' ||
      parsed.password !== '' ||
      value.endsWith('/') ||
      (options.path !== true && parsed.pathname !== '/')
    ) {
      ctx.addIssue({
        code: 'custom',
        message:
          options.path === true
            ? 'must have no query, fragment, credentials or trailing slash'
            : 'must be an origin: no path, query, fragment, credentials or trailing slash',
      });
    }
  });
  return fallback === undefined ? base : base.default(fallback);
};
/**
 * The gateway's public URL, read by the gateway and the broker with this one rule (an origin, no
 * trailing slash): the broker puts `<it>/mcp…` in the token `aud` and the gateway compares its
 * own resource with it exactly, so both must accept and refuse the same values.
 */
const gatewayPublicUrl = publicUrl('http://127.0.0.1:8080');
/** A bearer-usable secret: RFC 6750 b64token characters only, so a header can carry it. */
const secret = (minLength: number) =>
  z
    .string()
    .min(minLength, { message: `must be at least ${minLength} characters` })
    .regex(/^[A-Za-z0-9\-._~+/]+=*$/, {
      message: 'must use only A-Z a-z 0-9 - . _ ~ + / (and trailing =)',
    });

/** Variables every app reads. */
export const commonSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: url(['postgres:', 'postgresql:'], 'postgres://postgres@127.0.0.1:5432/mcp_gateway'),
  REDIS_URL: url(['redis:', 'rediss:'], 'redis://127.0.0.1:6379'),
  /** Namespace for every Redis key and channel, so several deployments (or test runs) can share a Redis. */
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]{1,64}$/, { message: 'must be 1-64 characters of A-Z a-z 0-9 : _ -' })
    .default('mcpgw:'),
  POLICY_DEFAULT: z.enum(['deny', 'allow']).default('deny'),
  /** How often a policy cache compares its version with the database, in case a message was missed. */
  POLICY_POLL_INTERVAL_MS: z.coerce.number().int().min(100).max(600_000).default(5000),
  /** How often an upstream cache compares its version with the database (the same safety net). */
  UPSTREAM_POLL_INTERVAL_MS: z.coerce.number().int().min(100).max(600_000).default(5000),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
});

/** A trusted external issuer of access tokens for the gateway (Keycloak, Entra ID, Auth0, ...). */
const trustedIssuerSchema = z.strictObject({
  /** The `iss` the tokens carry, byte for byte. */
  issuer: z.string().min(1).max(512),
  /** Where its signing keys are published (https, or http on loopback). */
  jwks_uri: url(['https:', 'http:']),
  /** The `aud` its tokens must carry for this gateway (default: the route's resource URL). */
  audience: z.string().min(1).max(512).optional(),
  /** The claim that names the user (default `sub`). */
  subject_claim: z.string().min(1).max(64).default('sub'),
  /** Signing algorithms accepted from it (default the asymmetric ones jose supports). */
  algorithms: z
    .array(
      z.enum([
        'RS256',
        'RS384',
        'RS512',
        'PS256',
        'PS384',
        'PS512',
        'ES256',
        'ES384',
        'ES512',
        'EdDSA',
      ]),
    )
    .min(1)
    .default(['RS256', 'PS256', 'ES256', 'EdDSA']),
});
export type TrustedIssuer = z.infer<typeof trustedIssuerSchema>;

/** A JSON value in an environment variable, validated by `schema` (messages never echo the value). */
const jsonEnv = <T extends z.ZodType>(schema: T, fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      try {
        return JSON.parse(value) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);

/** MCP method (or `prefix/*`) → the scopes it needs; overrides merge over the defaults. */
const scopeMapSchema = z.record(
  z.string().regex(/^[a-z][a-zA-Z0-9_/*-]{0,127}$/),
  z.array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/)).max(16),
);

/** One rate limit: at most `max` requests per principal per upstream in each `window_s` seconds. */
const rateLimitRuleSchema = z.strictObject({
  max: z.number().int().min(1).max(1_000_000),
  window_s: z.number().int().min(1).max(86_400),
});
export type RateLimitRule = z.infer<typeof rateLimitRuleSchema>;

/**
 * Per-principal rate limits, per upstream (`upstreams` overrides `default` by upstream name).
 * On unless `enabled` is false.
 */
const rateLimitSchema = z.strictObject({
  enabled: z.boolean().default(true),
  default: rateLimitRuleSchema.default({ max: 600, window_s: 60 }),
  upstreams: z
    .record(z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/), rateLimitRuleSchema)
    .default({}),
});
export type RateLimitConfig = z.infer<typeof rateLimitSchema>;

export const gatewaySchema = commonSchema.extend({
  GATEWAY_PORT: port(8080),
  GATEWAY_HOST: z.string().default('0.0.0.0'),
  GATEWAY_PUBLIC_URL: gatewayPublicUrl,
  /** The broker's internal API (credential resolution, API-key checks, connections). */
  BROKER_INTERNAL_URL: url(['http:', 'https:'], 'http://127.0.0.1:8084'),
  /** Bearer token presented to the broker's internal API (the broker's INTERNAL_API_TOKEN). */
  INTERNAL_API_TOKEN: secret(24),
  /** The issuer of the access tokens we accept by default: the broker, byte for byte (its BROKER_PUBLIC_URL). */
  BROKER_PUBLIC_URL: publicUrl('http://127.0.0.1:8081'),
  /** Where the gateway fetches the broker's signing keys (default `<BROKER_PUBLIC_URL>/jwks`; compose: the service name). */
  BROKER_JWKS_URL: url(['http:', 'https:']).optional(),
  /** JSON array of trusted external issuers: `[{issuer, jwks_uri, audience?, subject_claim?, algorithms?}]`. */
  GATEWAY_TRUSTED_ISSUERS: jsonEnv(z.array(trustedIssuerSchema).max(20), '[]'),
  /**
   * Origins (comma-separated, e.g. `https://claude.ai`) a browser-based client may call from; a
   * request with any other `Origin` is refused (403). Requests without `Origin` are not browsers.
   */
  GATEWAY_ALLOWED_ORIGINS: commaSet((origin) => origin.toLowerCase()),
  /** Largest MCP request body accepted, in bytes; larger bodies get 413. */
  GATEWAY_BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(4 * 1024 * 1024),
  /** JSON object merging over the default MCP method → scopes map, e.g. `{"tools/call":["mcp:tools:execute"]}`. */
  GATEWAY_SCOPE_MAP: jsonEnv(scopeMapSchema, '{}'),
  /**
   * Seconds a legacy MCP session (its binding to the principal, in Redis) lives without being
   * used; every use extends it. A session idle longer answers 404 and the client re-initializes.
   */
  GATEWAY_SESSION_IDLE_TTL_S: z.coerce
    .number()
    .int()
    .min(60)
    .max(30 * 86_400)
    .default(86_400),
  /**
   * The metrics listener (`GET /metrics`): its own port, loopback by default, so the public
   * listener never tells anyone the gateway's traffic.
   */
  GATEWAY_METRICS_PORT: port(8085),
  GATEWAY_METRICS_HOST: z.string().default('127.0.0.1'),
  /** JSON: `{"enabled"?:true,"default"?:{"max":600,"window_s":60},"upstreams"?:{"<name>":{"max","window_s"}}}`. */
  GATEWAY_RATE_LIMIT: jsonEnv(rateLimitSchema, '{}'),
  /** `/mcp` (the aggregate): how long one upstream may take to answer a list before it is left out. */
  GATEWAY_AGGREGATE_LIST_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5000),
  /** Call-trail records held in memory awaiting their write; past it new records are dropped (counted). */
  GATEWAY_TRAIL_QUEUE_MAX: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  /** How often the call trail is written to Postgres (also as soon as a batch is full). */
  GATEWAY_TRAIL_FLUSH_MS: z.coerce.number().int().min(10).max(60_000).default(500),
  /**
   * How long a 2026-07-28 retry carrying the gateway's `requestState` waits for the user to finish
   * connecting (issue 9 §2), in ms; bounded by the remedy's own lifetime. `0` = answer at once.
   */
  GATEWAY_AUTH_WAIT_MS: z.coerce.number().int().min(0).max(600_000).default(60_000),
});

export const tokenBrokerSchema = commonSchema
  .extend({
    ...refreshShape,
    BROKER_PORT: port(8081),
    BROKER_HOST: z.string().default('0.0.0.0'),
    /** The authorization server's issuer, byte for byte: https, or http on a loopback host for development. */
    BROKER_PUBLIC_URL: publicUrl('http://127.0.0.1:8081'),
    /** The gateway's public URL; `<it>/mcp` is the default resource (token audience) of the tokens we issue. */
    GATEWAY_PUBLIC_URL: gatewayPublicUrl,
    /** Where users log in: an OIDC issuer (discovery) or, with LOGIN_IDP_KIND=github, https://github.com. */
    LOGIN_IDP_ISSUER: publicUrl(undefined, { path: true }).optional(),
    LOGIN_IDP_KIND: z.enum(['oidc', 'github']).default('oidc'),
    LOGIN_IDP_CLIENT_ID: z.string().min(1).max(512).optional(),
    LOGIN_IDP_CLIENT_SECRET: z.string().min(1).max(4096).optional(),
    LOGIN_IDP_SCOPES: z
      .string()
      .regex(/^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/, {
        message: 'must be space-separated scope tokens',
      })
      .optional(),
    /** A demo OIDC IdP on the public listener under /demo-idp, with one demo user: never in production. */
    DEMO_IDP_ENABLED: z.stringbool().default(false),
    DEMO_IDP_PASSWORD: z.string().min(4).max(128).default('demo'),
    /** Emails (comma-separated, any case) of users who may be granted the admin scopes; everyone else has them dropped. */
    AS_ADMIN_EMAILS: commaSet((email) => email.toLowerCase()),
    /** Client ids (comma-separated; confidential clients) allowed to introspect any token (RFC 7662); others only their own. */
    AS_INTROSPECTION_CLIENTS: commaSet(),
    /** Dynamic client registrations accepted per client address per hour (open registration). */
    AS_REGISTRATIONS_PER_HOUR: z.coerce.number().int().min(1).max(100_000).default(60),
    /** Lifetime of the access tokens we issue to MCP clients. */
    AS_ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(3600).default(600),
    /** Lifetime of a refresh token (each use rotates it and restarts the clock). */
    AS_REFRESH_TOKEN_TTL_SECONDS: z.coerce
      .number()
      .int()
      .min(3600)
      .max(90 * 86400)
      .default(14 * 86400),
    /**
     * Seconds after a refresh token's rotation in which it may be presented once more (the
     * response was lost) and rotated again instead of revoking the family; 0: strict rotation.
     */
    AS_REFRESH_REUSE_WINDOW_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
    ADMIN_PORT: port(8082),
    /** Loopback by default: the admin API is for operators (compose listens on 0.0.0.0 in the container and publishes on the host's loopback). */
    ADMIN_HOST: z.string().default('127.0.0.1'),
    ADMIN_TOKEN: secret(24),
    /** `<id>:<base64 32 bytes>` entries, comma-separated; the first seals, all open (see libs/crypto). */
    VAULT_KEYS: z.string().superRefine(checkedBy((v) => KeyRing.parse(v))),
    /** Base64 of at least 32 random bytes; keys the HMAC under which API keys are stored. */
    API_KEY_PEPPER: z.string().superRefine(checkedBy(parsePepper)),
    /** Bearer token the gateway presents to the internal API (its own listener, /internal/v1). */
    INTERNAL_API_TOKEN: secret(24),
    INTERNAL_PORT: port(8084),
    /** Loopback by default: the internal API is the gateway's (compose: the compose network only, never published). */
    INTERNAL_HOST: z.string().default('127.0.0.1'),
    /** Largest admin request body accepted, in bytes; larger bodies get 413. */
    ADMIN_BODY_LIMIT_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .default(1024 * 1024),
  })
  .superRefine((config, ctx) => {
    if (config.LOGIN_IDP_ISSUER !== undefined && config.LOGIN_IDP_CLIENT_ID === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['LOGIN_IDP_CLIENT_ID'],
        message: 'is required with LOGIN_IDP_ISSUER',
      });
    }
    if (
      config.LOGIN_IDP_KIND === 'oidc' &&
      config.LOGIN_IDP_CLIENT_ID !== undefined &&
      config.LOGIN_IDP_ISSUER === undefined
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['LOGIN_IDP_ISSUER'],
        message: 'is required with LOGIN_IDP_CLIENT_ID (the OpenID Provider to discover)',
      });
    }
    if (config.LOGIN_IDP_KIND === 'github' && config.LOGIN_IDP_CLIENT_SECRET === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['LOGIN_IDP_CLIENT_SECRET'],
        message: 'is required with LOGIN_IDP_KIND=github',
      });
    }
    if (config.DEMO_IDP_ENABLED && config.NODE_ENV === 'production') {
      ctx.addIssue({
        code: 'custom',
        path: ['DEMO_IDP_ENABLED'],
        message: 'must not be true when NODE_ENV=production',
      });
    }
    // Each API must be unreachable with the other's token.
    if (config.ADMIN_TOKEN === config.INTERNAL_API_TOKEN) {
      ctx.addIssue({
        code: 'custom',
        path: ['INTERNAL_API_TOKEN'],
        message: 'must differ from ADMIN_TOKEN',
      });
    }
  });

export const migrateSchema = commonSchema;

export type CommonConfig = z.infer<typeof commonSchema>;
export type GatewayConfig = z.infer<typeof gatewaySchema>;
export type TokenBrokerConfig = z.infer<typeof tokenBrokerSchema>;
