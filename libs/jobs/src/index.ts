export {
  CLEANUP_SCHEDULER_ID,
  devicePollJobId,
  JOBS,
  QUEUES,
  REFRESH_SWEEP_SCHEDULER_ID,
  SIGNING_KEY_ROTATION_SCHEDULER_ID,
  VAULT_ROTATION_SCHEDULER_ID,
  refreshJobId,
  type DevicePollPayload,
  type MaintenancePayload,
  type TokenRefreshPayload,
} from './job-catalog';
export { DEFAULT_REFRESH_ATTEMPTS, JobProducer, refreshJobOptions } from './job.producer';
export { JobsModule } from './jobs.module';
