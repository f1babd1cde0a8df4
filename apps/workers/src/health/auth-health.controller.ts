import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AuthHealthService } from './auth-health.service';

/** `GET /health/auth` on the workers listener: 200 when healthy, 503 otherwise, same body. */
@ApiExcludeController()
@Controller('health')
export class AuthHealthController {
  constructor(private readonly health: AuthHealthService) {}

  @Get('auth')
  @Header('Cache-Control', 'no-store')
  async auth(@Res() reply: FastifyReply): Promise<void> {
    const report = await this.health.check();
    await reply.status(report.healthy ? 200 : 503).send(report);
  }
}
