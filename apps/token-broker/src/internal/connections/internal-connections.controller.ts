import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Param,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import {
  type CredentialAnswer,
  credentialAnswerSchema,
  connectionIdSchema,
  type ConnectionList,
  connectionListSchema,
  connectionsQuerySchema,
  refreshConnectionRequestSchema,
} from '@app/gateway-contract';
import { validateAuthMethod } from '@app/policy-engine';
import { ManageConnectionsUseCase } from '../../connections/manage-connections.usecase';
import { ResolveCredentialUseCase } from '../credentials/resolve-credential.usecase';
import { checkAnswer } from '../http/check-answer';
import { InternalApiError } from '../http/internal-api.error';
import { InternalTokenGuard } from '../http/internal-token.guard';
import { parseInput } from '../http/parse-input';

/**
 * `GET /internal/v1/connections?subject=…` and `DELETE /internal/v1/connections/{id}?subject=…`:
 * the gateway lists and revokes a signed-in user's own connections on their behalf.
 * `POST /internal/v1/connections/{id}/refresh`: the gateway's forced refresh after an upstream 401
 * (the contract's refreshConnectionRequestSchema), answered like a credential resolve.
 */
@ApiExcludeController()
@UseGuards(InternalTokenGuard)
@Controller('internal/v1/connections')
export class InternalConnectionsController {
  constructor(
    private readonly manage: ManageConnectionsUseCase,
    private readonly resolve: ResolveCredentialUseCase,
  ) {}

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

  @Post(':id/refresh')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async refresh(@Param('id') id: string, @Body() body: unknown): Promise<CredentialAnswer> {
    if (!connectionIdSchema.safeParse(id).success) {
      throw new InternalApiError('not_found', `connection ${id} does not exist`);
    }
    const request = parseInput(refreshConnectionRequestSchema, body, 'body');
    const method = validateAuthMethod(request.auth_method, 'auth_method');
    if (!method.ok) {
      throw new InternalApiError('validation_failed', 'the auth method is invalid', method.errors);
    }
    if (method.value.type !== 'oauth' && method.value.type !== 'device_code') {
      throw new InternalApiError('validation_failed', 'only a per-user connection is refreshed', [
        { field: 'auth_method.type', message: 'must be oauth or device_code' },
      ]);
    }
    return checkAnswer(
      credentialAnswerSchema,
      await this.resolve.refreshConnection(request.principal, method.value, {
        id,
        generation: request.generation,
        ...(request.reauthorize === true ? { reauthorize: true } : {}),
      }),
    );
  }
}
