export { createHttpApp, type HttpAppOptions } from './create-http-app';
export { createLogger } from './create-logger';
export { HealthController } from './health.controller';
export { MetricsController } from './metrics.controller';
export { MetricsService } from './metrics.service';
export { LOGGER, ObservabilityModule } from './observability.module';
export { PinoNestLogger } from './pino-nest.logger';
export { ReadinessService, type ReadinessCheck, type ReadinessReport } from './readiness.service';
export { runUntilSignal } from './run-until-signal';
