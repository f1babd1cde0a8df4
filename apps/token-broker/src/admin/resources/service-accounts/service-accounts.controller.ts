import { Controller, UseGuards } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { ServiceAccountEntity } from '@app/persistence';
import { AdminTokenGuard } from '../../http/admin-token.guard';
import { NamedResourceController } from '../named-resource.controller';
import { ServiceAccountAdminService } from './service-account-admin.service';

/** `/admin/v1/service-accounts`: machine credentials for `service_account` policies (secrets write-only). */
@ApiTags('service-accounts')
@UseGuards(AdminTokenGuard)
@Controller('admin/v1/service-accounts')
export class ServiceAccountsController extends NamedResourceController<ServiceAccountEntity> {
  protected readonly path = '/admin/v1/service-accounts';

  constructor(protected readonly service: ServiceAccountAdminService) {
    super();
  }
}
