import { Inject, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { type Job, type Queue, UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';
import { APP_CONFIG, type WorkersConfig } from '@app/config';
import {
  CLEANUP_SCHEDULER_ID,
  JOBS,
  type MaintenancePayload,
  QUEUES,
  SIGNING_KEY_ROTATION_SCHEDULER_ID,
  VAULT_ROTATION_SCHEDULER_ID,
} from '@app/jobs';
import { LOGGER } from '@app/observability';
import { logRedisErrors } from '@app/redis';
import { WorkersMetrics } from '../metrics/workers-metrics';
import { keepScheduled } from '../schedules/keep-scheduled';
import { CleanupUseCase } from './cleanup.usecase';
import { ResealVaultUseCase } from './reseal-vault.usecase';
import { RotateSigningKeyUseCase } from './rotate-signing-key.usecase';

/** The age check is cheap; an hour's delay on a rotation measured in days does not matter. */
export const SIGNING_KEY_CHECK_EVERY_MS = 3_600_000;
const KEEP = { removeOnComplete: 100, removeOnFail: 100 };

/**
 * The `maintenance` queue (issue 10 §1): cleanup, vault re-seal and signing-key rotation, each on
 * a BullMQ job scheduler that every workers replica upserts under the same id — one schedule per
 * deployment, each run handed to one worker. With `every`, a new scheduler runs at once. A
 * replica that starts while vault values sit on an old key queues one re-seal (deduplicated, so
 * replicas starting together queue one). One worker per queue, so this class dispatches by name.
 */
@Processor(QUEUES.maintenance)
export class MaintenanceProcessor extends WorkerHost implements OnApplicationBootstrap {
  constructor(
    @InjectQueue(QUEUES.maintenance) private readonly queue: Queue<MaintenancePayload>,
    private readonly cleanup: CleanupUseCase,
    private readonly reseal: ResealVaultUseCase,
    private readonly signingKey: RotateSigningKeyUseCase,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(APP_CONFIG) private readonly config: WorkersConfig,
    private readonly metrics: WorkersMetrics,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    logRedisErrors(this.worker, this.logger, 'maintenance-worker');
    await keepScheduled(this.queue, this.logger, () => this.schedule());
    await this.resealAtStartIfNeeded();
  }

  private async schedule(): Promise<void> {
    await this.queue.upsertJobScheduler(
      CLEANUP_SCHEDULER_ID,
      { every: this.config.CLEANUP_EVERY_MS },
      { name: JOBS.cleanup, data: {}, opts: KEEP },
    );
    await this.queue.upsertJobScheduler(
      VAULT_ROTATION_SCHEDULER_ID,
      { every: this.config.VAULT_ROTATION_EVERY_MS },
      { name: JOBS.vaultRotation, data: {}, opts: KEEP },
    );
    if (this.config.SIGNING_KEY_ROTATE_DAYS > 0) {
      await this.queue.upsertJobScheduler(
        SIGNING_KEY_ROTATION_SCHEDULER_ID,
        { every: SIGNING_KEY_CHECK_EVERY_MS },
        { name: JOBS.signingKeyRotation, data: {}, opts: KEEP },
      );
    } else {
      await this.queue.removeJobScheduler(SIGNING_KEY_ROTATION_SCHEDULER_ID);
    }
  }

  async process(job: Job<MaintenancePayload>): Promise<unknown> {
    this.metrics.jobStarted(job);
    switch (job.name) {
      case JOBS.cleanup:
        return this.cleanup.execute();
      case JOBS.vaultRotation:
        return this.reseal.execute();
      case JOBS.signingKeyRotation:
        return this.signingKey.execute();
      default:
        throw new UnrecoverableError(`unknown job "${job.name}" on the maintenance queue`);
    }
  }

  private async resealAtStartIfNeeded(): Promise<void> {
    try {
      const pending = await this.reseal.pending();
      if (pending > 0) {
        this.logger.info({ pending }, 'vault values on an old key: re-seal queued');
        await this.queue.add(
          JOBS.vaultRotation,
          {},
          { ...KEEP, deduplication: { id: VAULT_ROTATION_SCHEDULER_ID } },
        );
      }
    } catch (error) {
      // Not a reason to refuse to start: the scheduled run tries again.
      this.logger.warn(
        { err: { message: (error as Error).message } },
        'vault rotation check at start failed',
      );
    }
  }
}
