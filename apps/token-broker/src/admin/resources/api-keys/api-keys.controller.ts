import { Body, Controller, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { ApiKeyEntity } from '@app/persistence';
import { AdminTokenGuard } from '../../http/admin-token.guard';
import { type AdminRequest, changeContext } from '../../http/change-context';
import { NamedResourceController } from '../named-resource.controller';
import { ApiKeyAdminService } from './api-key-admin.service';

/** `/admin/v1/api-keys`: keys for `api_key` policies and for callers of the gateway. */
@ApiTags('api-keys')
@UseGuards(AdminTokenGuard)
@Controller('admin/v1/api-keys')
export class ApiKeysController extends NamedResourceController<ApiKeyEntity> {
  protected readonly path = '/admin/v1/api-keys';

  constructor(protected readonly service: ApiKeyAdminService) {
    super();
  }

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a key; the response carries `key` once and never again' })
  override async create(
    @Req() request: AdminRequest,
    @Body() body: unknown,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { row, key } = await this.service.createWithKey(body, changeContext(request));
    void reply.header('Location', `${this.path}/${row.id}`);
    this.send(reply, row, 201, { key });
  }
}
