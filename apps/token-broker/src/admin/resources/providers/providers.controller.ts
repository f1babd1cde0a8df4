import { Controller, UseGuards } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { ProviderEntity } from '@app/persistence';
import { AdminTokenGuard } from '../../http/admin-token.guard';
import { NamedResourceController } from '../named-resource.controller';
import { ProviderAdminService } from './provider-admin.service';

/** `/admin/v1/providers`: OAuth/OIDC providers users connect to (presets github, google, microsoft). */
@ApiTags('providers')
@UseGuards(AdminTokenGuard)
@Controller('admin/v1/providers')
export class ProvidersController extends NamedResourceController<ProviderEntity> {
  protected readonly path = '/admin/v1/providers';

  constructor(protected readonly service: ProviderAdminService) {
    super();
  }
}
