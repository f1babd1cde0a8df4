import { Controller, Delete, Get, Header, HttpCode, Param, Query, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { z } from 'zod';
import { AdminApiError } from '../admin/http/admin-api.error';
import { parseBody } from '../admin/http/parse-body';
import { InternalTokenGuard } from '../credentials/internal-token.guard';
import { type ConnectionView, ManageConnectionsUseCase } from './manage-connections.usecase';

const subjectSchema = z.strictObject({ subject: z.string().min(1).max(512) });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `GET /internal/v1/connections?subject=…` and `DELETE /internal/v1/connections/{id}?subject=…`:
 * the gateway lists and revokes a signed-in user's own connections on their behalf.
 */
@ApiExcludeController()
@UseGuards(InternalTokenGuard)
@Controller('internal/v1/connections')
export class InternalConnectionsController {
  constructor(private readonly manage: ManageConnectionsUseCase) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async list(@Query() query: unknown): Promise<{ connections: ConnectionView[] }> {
    const { subject } = parseBody(subjectSchema, query);
    return { connections: await this.manage.list(subject) };
  }

  @Delete(':id')
  @HttpCode(204)
  async revoke(@Param('id') id: string, @Query() query: unknown): Promise<void> {
    const { subject } = parseBody(subjectSchema, query);
    if (!UUID.test(id) || !(await this.manage.revoke(subject, id))) {
      throw new AdminApiError('not_found', `connection ${id} does not exist`);
    }
  }
}
