import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type Redis from 'ioredis';
import { ProviderRepository } from '@app/persistence';
import { effectiveEndpoints, type ProviderKind } from '@app/provider-flows';
import { REDIS } from '@app/redis';

type Health = 'healthy' | 'unhealthy';

/**
 * `GET /health/auth` in the seed's shape (reference/001_guide.md "Health Monitoring"). A
 * provider is healthy when every flow it enables has the endpoints that flow needs (no provider
 * is called); session storage is Redis.
 */
@Controller('health')
export class AuthHealthController {
  constructor(
    private readonly providers: ProviderRepository,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  @Get('auth')
  @Header('Cache-Control', 'no-store')
  async auth(@Res() reply: FastifyReply): Promise<void> {
    const providers: Record<string, Health> = {};
    for (const row of await this.providers.list()) {
      const endpoints = effectiveEndpoints(row.kind as ProviderKind, row.settings);
      const oauthOk =
        row.settings.oauth_enabled === false ||
        endpoints.authorization_endpoint !== undefined ||
        endpoints.issuer !== undefined;
      const deviceOk =
        row.settings.device_code_enabled !== true ||
        endpoints.device_authorization_endpoint !== undefined;
      providers[row.name] =
        oauthOk &&
        deviceOk &&
        (endpoints.token_endpoint !== undefined || endpoints.issuer !== undefined)
          ? 'healthy'
          : 'unhealthy';
    }
    const sessionStorage: Health = await this.redis.ping().then(
      () => 'healthy' as const,
      () => 'unhealthy' as const,
    );
    const healthy =
      sessionStorage === 'healthy' && Object.values(providers).every((h) => h === 'healthy');
    await reply
      .status(healthy ? 200 : 503)
      .send({ healthy, providers, session_storage: sessionStorage });
  }
}
