import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, type WorkersConfig } from '@app/config';
import { LOGGER } from '@app/observability';
import { SigningKeyStore } from '@app/vault';
import { MaintenanceMetrics } from './maintenance.metrics';

const DAY_MS = 86_400_000;

/**
 * Scheduled signing-key rotation: the job runs often and rotates only when the active key is
 * SIGNING_KEY_ROTATE_DAYS old (decided under the store's lock), so restarts, replicas and retries
 * never rotate twice. Brokers pick the new key up within a minute; the previous one stays
 * published, so tokens it signed keep verifying until they expire.
 */
@Injectable()
export class RotateSigningKeyUseCase {
  constructor(
    private readonly keys: SigningKeyStore,
    private readonly metrics: MaintenanceMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(APP_CONFIG) private readonly config: WorkersConfig,
  ) {}

  async execute(): Promise<{ rotated: string | null }> {
    const kid = await this.keys.rotateIfOlderThan(this.config.SIGNING_KEY_ROTATE_DAYS * DAY_MS);
    if (kid !== null) {
      this.metrics.signingKeyRotations.inc();
      this.logger.info({ kid }, 'signing key rotated');
    }
    return { rotated: kid };
  }
}
