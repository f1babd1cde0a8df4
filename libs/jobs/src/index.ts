export {
  CLEANUP_SCHEDULER_ID,
  devicePollJobId,
  JOBS,
  QUEUES,
  type DevicePollPayload,
} from './job-catalog';
export { JobProducer } from './job.producer';
export { JobsModule } from './jobs.module';
