import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { AuditRepository } from '@app/persistence';
import { AdminTokenGuard } from '../http/admin-token.guard';
import { optionalInt } from '../http/query-params';

@ApiTags('audit')
@ApiBearerAuth()
@UseGuards(AdminTokenGuard)
@Controller('admin/v1/audit')
export class AuditController {
  constructor(private readonly repository: AuditRepository) {}

  @Get()
  @ApiOperation({ summary: 'Who changed what, when, with before and after; newest first' })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({
    name: 'before',
    required: false,
    description: 'only events with a smaller id (paging)',
  })
  @ApiQuery({ name: 'resource_type', required: false, example: 'policy' })
  @ApiQuery({ name: 'resource_id', required: false })
  async list(
    @Query('limit') limit?: string,
    @Query('before') before?: string,
    @Query('resource_type') resourceType?: string,
    @Query('resource_id') resourceId?: string,
  ) {
    const beforeId = optionalInt(before, 'before');
    const events = await this.repository.list({
      limit: optionalInt(limit, 'limit', { max: 500 }) ?? 50,
      beforeId: beforeId === undefined ? undefined : String(beforeId),
      resourceType: typeof resourceType === 'string' ? resourceType : undefined,
      resourceId: typeof resourceId === 'string' ? resourceId : undefined,
    });
    return {
      events: events.map((e) => ({
        id: Number(e.id),
        occurred_at: e.occurredAt.toISOString(),
        actor: e.actor,
        action: e.action,
        resource_type: e.resourceType,
        resource_id: e.resourceId,
        policy_set_version: e.policySetVersion,
        correlation_id: e.correlationId,
        before: e.before,
        after: e.after,
      })),
    };
  }
}
