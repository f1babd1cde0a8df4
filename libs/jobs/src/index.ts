export {
  CLEANUP_SCHEDULER_ID,
  DEVICE_POLL_SWEEP_SCHEDULER_ID,
  devicePollJobId,
  JOBS,
  QUEUES,
  REFRESH_SWEEP_SCHEDULER_ID,
  SIGNING_KEY_ROTATION_SCHEDULER_ID,
  VAULT_ROTATION_SCHEDULER_ID,
  refreshJobId,
  SESSION_RECOVERY_JOB_ID,
  SESSION_RECOVERY_SCHEDULER_ID,
  UPSTREAM_HEALTH_SCHEDULER_ID,
  upstreamRecoveryJobId,
  type SessionRecoveryPayload,
  type DevicePollPayload,
  type MaintenancePayload,
  type EmptyPayload,
  type TokenRefreshPayload,
} from './job-catalog';
export {
  DEFAULT_REFRESH_ATTEMPTS,
  devicePollJobOptions,
  JobProducer,
  refreshJobOptions,
} from './job.producer';
export { JobsModule } from './jobs.module';
