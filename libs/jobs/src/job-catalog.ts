/**
 * Every queue and job the apps share: names, payloads (ids only, never a token or secret) and the
 * one function that builds each job's dedupe id.
 */
export const QUEUES = {
  /** Provider-credential work: device-code polling (later: refresh, recovery, rotation). */
  credentials: 'credentials',
  /** Deployment-wide housekeeping (repeatable jobs: one run per deployment, whatever the replicas). */
  maintenance: 'maintenance',
  /** Provider-token refresh: one job per connection and token generation (issue 10 §1). */
  tokenRefresh: 'token-refresh',
} as const;

export const JOBS = {
  /** One job per pending device authorization for its whole life (a BullMQ step job). */
  devicePoll: 'device-poll',
  /** Repeatable: re-queues the poll of a pending device authorization whose job was lost. */
  devicePollSweep: 'device-poll-sweep',
  /**
   * Re-establishes what live gateway sessions need (gateway start, on a schedule, and for one
   * upstream when it answers again after failing its health checks).
   */
  sessionRecovery: 'session-recovery',
  /** Repeatable: probes every enabled upstream; one that came back queues its session recovery. */
  upstreamHealth: 'upstream-health',
  /** Repeatable (maintenance): deletes what expired in Postgres, in bounded batches. */
  cleanup: 'cleanup',
  /** Maintenance: re-seals vault rows to the first key of VAULT_KEYS (scheduled, and at start). */
  vaultRotation: 'vault-rotation',
  /** Repeatable (maintenance): rotates the token-signing key once it is SIGNING_KEY_ROTATE_DAYS old. */
  signingKeyRotation: 'signing-key-rotation',
  tokenRefresh: 'token-refresh',
  /** Repeatable: re-queues refreshes whose job was lost (Redis flushed, a queue obliterated). */
  refreshSweep: 'refresh-sweep',
} as const;

/** The one job scheduler of the refresh sweep. */
export const REFRESH_SWEEP_SCHEDULER_ID = 'refresh-sweep';

/** The one job scheduler of the `cleanup` job (upserted by every workers replica: still one). */
export const CLEANUP_SCHEDULER_ID = 'cleanup';

/** The job scheduler of the vault re-seal; also the deduplication id of the run queued at start. */
export const VAULT_ROTATION_SCHEDULER_ID = 'vault-rotation';

/** The job scheduler that checks the signing key's age (it rotates only when it is due). */
export const SIGNING_KEY_ROTATION_SCHEDULER_ID = 'signing-key-rotation';

/**
 * The maintenance jobs carry nothing: each run reads what is due from the database, so a run
 * repeated, lost or overlapping another does no harm.
 */
export type MaintenancePayload = EmptyPayload;

/** The one job scheduler of the device-poll sweep. */
export const DEVICE_POLL_SWEEP_SCHEDULER_ID = 'device-poll-sweep';

/** The one job scheduler of the periodic session recovery. */
export const SESSION_RECOVERY_SCHEDULER_ID = 'session-recovery';

/**
 * The id of an on-demand session recovery (a gateway start): while one waits or runs, the other
 * gateway replicas starting with it add nothing.
 */
export const SESSION_RECOVERY_JOB_ID = 'session-recovery_on-start';

/** The polling of one pending RFC 8628 device authorization, from first poll to its end. */
export interface DevicePollPayload {
  pendingId: string;
}

/** Payload of the sweeps and the health checks: nothing, they read their own state. */
export type EmptyPayload = Record<string, never>;

/** A session recovery: of every live session, or only of those bound to one upstream (by name). */
export interface SessionRecoveryPayload {
  upstream?: string;
}

/** The one job scheduler of the upstream health checks. */
export const UPSTREAM_HEALTH_SCHEDULER_ID = 'upstream-health';

/**
 * `session-recovery_upstream_<name>`: the recovery queued when an upstream answers again; while it
 * waits or runs, another transition of the same upstream adds nothing. Upstream names are
 * `[a-z0-9_-]`, never ':' (BullMQ custom ids may not contain it).
 */
export function upstreamRecoveryJobId(upstream: string): string {
  return `session-recovery_upstream_${upstream}`;
}

/**
 * `device-poll_<pendingId>`: one job per pending authorization, moved back to delayed between
 * polls, so re-queuing it (a reused authorization, the sweep) is a no-op while it lives. BullMQ
 * custom ids may not contain ':' and must not look like integers.
 */
export function devicePollJobId(pendingId: string): string {
  return `device-poll_${pendingId}`;
}

/** The refresh of one connection at one token generation. */
export interface TokenRefreshPayload {
  connectionId: string;
  /** The generation the job was queued for; a newer one means someone refreshed already. */
  generation: number;
}

/**
 * `refresh_<connectionId>_<generation>`: every producer (the broker after a connect or an
 * on-demand refresh, the workers after a refresh, the sweep) queues the same id for the same
 * refresh, so BullMQ keeps one job. The generation is in the id so that a job, once it has
 * refreshed, never needs to re-queue its own (still active) id; ':' is not allowed by BullMQ.
 */
export function refreshJobId(payload: TokenRefreshPayload): string {
  return `refresh_${payload.connectionId}_${payload.generation}`;
}
