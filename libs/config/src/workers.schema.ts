import { z } from 'zod';
import { KeyRing } from '@app/crypto';
import { commonSchema } from './env.schema';
import { refreshShape } from './refresh.shape';
import { checkedBy, port } from './schema-parts';

/** The workers' variables (BullMQ processors): refresh, device polls, sessions, maintenance. */
export const workersSchema = commonSchema.extend({
  ...refreshShape,
  /** How often the refresh sweep re-queues connections whose refresh job was lost (Redis flushed), in ms. */
  REFRESH_SWEEP_EVERY_MS: z.coerce.number().int().min(1000).max(86_400_000).default(300_000),
  /** Attempts of one refresh before it is dead-lettered (transient failures back off exponentially). */
  REFRESH_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  /** The same key ring as the broker's: workers open and seal provider tokens. */
  VAULT_KEYS: z.string().superRefine(checkedBy((v) => KeyRing.parse(v))),
  /** Jobs processed at once per worker process. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(5),
  /**
   * Postgres connections of one workers process. Unset: one per concurrent job, at least 4 and at
   * most 20 (a refresh holds a connection only for each of its short statements).
   */
  WORKERS_DB_POOL_SIZE: z.coerce.number().int().min(1).max(100).optional(),
  WORKERS_PORT: port(8083),
  /** How long the connection aggregates behind the metrics and `/health/auth` are reused, in ms. */
  METRICS_AGGREGATE_CACHE_MS: z.coerce.number().int().min(0).max(300_000).default(10_000),
  /** `/health/auth`: token_refresh is degraded above this many failed (dead-lettered) refresh jobs. */
  AUTH_HEALTH_MAX_FAILED_REFRESHES: z.coerce.number().int().min(0).default(1000),
  /** `/health/auth`: token_refresh is degraded when more than this share of connections needs re-auth. */
  AUTH_HEALTH_MAX_STRANDED_RATIO: z.coerce.number().min(0).max(1).default(0.25),
  WORKERS_HOST: z.string().default('0.0.0.0'),
  /** Days the call trail (`call_trail`) is kept; the cleanup job (issue 10) deletes older rows. */
  CALL_TRAIL_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /**
   * How often the device-poll sweep re-queues the polling of pending device authorizations whose
   * job was lost (once per deployment), in ms.
   */
  DEVICE_POLL_SWEEP_EVERY_MS: z.coerce.number().int().min(1000).max(3_600_000).default(60_000),
  /**
   * How often the workers recover live gateway sessions (refresh their near-expiry credentials,
   * drop stale ones), once per deployment, in ms; gateways also ask for a run when they start.
   */
  SESSION_RECOVERY_EVERY_MS: z.coerce.number().int().min(1000).max(86_400_000).default(300_000),
  /**
   * How often the workers probe every enabled upstream (once per deployment), in ms: an upstream
   * that answers again after failing probes (restarted, back from an outage) gets a session
   * recovery of its own.
   */
  UPSTREAM_HEALTH_EVERY_MS: z.coerce.number().int().min(1000).max(3_600_000).default(30_000),
  /** How often the cleanup job runs (once per deployment, whatever the number of workers), in ms. */
  CLEANUP_EVERY_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .max(7 * 86_400_000)
    .default(3_600_000),
  /**
   * Hours a registered client (DCR) may go without completing a sign-in before the cleanup job
   * removes it (open registration stays bounded).
   */
  AS_UNUSED_CLIENT_TTL_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(365 * 24)
    .default(24),
  /** Days the admin audit trail (`audit_events`) is kept; the cleanup job deletes older events. */
  AUDIT_RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).default(365),
  /**
   * How often the workers look for vault rows sealed with a key other than the first of
   * VAULT_KEYS and re-seal them (also once at start when there are any), in ms.
   */
  VAULT_ROTATION_EVERY_MS: z.coerce
    .number()
    .int()
    .min(60_000)
    .max(7 * 86_400_000)
    .default(3_600_000),
  /**
   * Days a token-signing key signs before the workers rotate it (the previous key stays published
   * so its tokens keep verifying); 0 turns scheduled rotation off.
   */
  SIGNING_KEY_ROTATE_DAYS: z.coerce.number().int().min(0).max(3650).default(90),
});

export type WorkersConfig = z.infer<typeof workersSchema>;
