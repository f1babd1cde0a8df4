import { Controller, UseGuards } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { UpstreamEntity } from '@app/persistence';
import { AdminTokenGuard } from '../../http/admin-token.guard';
import { NamedResourceController } from '../named-resource.controller';
import { UpstreamAdminService } from './upstream-admin.service';

/** `/admin/v1/upstreams`: the MCP servers the gateway routes `/mcp/<name>` to. */
@ApiTags('upstreams')
@UseGuards(AdminTokenGuard)
@Controller('admin/v1/upstreams')
export class UpstreamsController extends NamedResourceController<UpstreamEntity> {
  protected readonly path = '/admin/v1/upstreams';

  constructor(protected readonly service: UpstreamAdminService) {
    super();
  }
}
