import { Controller, Delete, Get, Header, HttpCode, Param, Query, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import {
  connectionIdSchema,
  type ConnectionList,
  connectionListSchema,
  connectionsQuerySchema,
} from '@app/gateway-contract';
import { ManageConnectionsUseCase } from '../../connections/manage-connections.usecase';
import { checkAnswer } from '../http/check-answer';
import { InternalApiError } from '../http/internal-api.error';
import { InternalTokenGuard } from '../http/internal-token.guard';
import { parseInput } from '../http/parse-input';

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
  async list(@Query() query: unknown): Promise<ConnectionList> {
    const { subject } = parseInput(connectionsQuerySchema, query, 'query');
    return checkAnswer(connectionListSchema, { connections: await this.manage.list(subject) });
  }

  @Delete(':id')
  @HttpCode(204)
  async revoke(@Param('id') id: string, @Query() query: unknown): Promise<void> {
    const { subject } = parseInput(connectionsQuerySchema, query, 'query');
    if (!connectionIdSchema.safeParse(id).success || !(await this.manage.revoke(subject, id))) {
      throw new InternalApiError('not_found', `connection ${id} does not exist`);
    }
  }
}
