/**
 * Every queue and job the apps share: names, payloads (ids only, never a token or secret) and the
 * one function that builds each job's dedupe id.
 */
export const QUEUES = {
  /** Provider-credential work: device-code polling (later: refresh, recovery, rotation). */
  credentials: 'credentials',
  /** Deployment-wide housekeeping (repeatable jobs: one run per deployment, whatever the replicas). */
  maintenance: 'maintenance',
} as const;

export const JOBS = {
  devicePoll: 'device-poll',
  cleanup: 'cleanup',
} as const;

/** The one job scheduler of the `cleanup` job (upserted by every workers replica: still one). */
export const CLEANUP_SCHEDULER_ID = 'cleanup';

/** One poll of a pending RFC 8628 device authorization. */
export interface DevicePollPayload {
  pendingId: string;
  /** 1 for the first poll; each re-enqueue increments it. */
  attempt: number;
}

/** BullMQ custom ids may not contain ':' and must not look like integers. */
export function devicePollJobId(pendingId: string, attempt: number): string {
  return `device-poll_${pendingId}_${attempt}`;
}
