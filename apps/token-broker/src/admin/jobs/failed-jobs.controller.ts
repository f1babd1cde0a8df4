import { Controller, Get, HttpCode, Param, Post, Query, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { AdminApiError } from '../http/admin-api.error';
import { AdminTokenGuard } from '../http/admin-token.guard';
import { type AdminRequest, changeContext } from '../http/change-context';
import { optionalInt } from '../http/query-params';
import { DEAD_LETTER_QUEUES, type DeadLetterQueue, FailedJobsService } from './failed-jobs.service';

/** `/admin/v1/jobs/failed`: the workers' dead letters, and retrying one. */
@ApiTags('jobs')
@ApiBearerAuth()
@UseGuards(AdminTokenGuard)
@Controller('admin/v1/jobs/failed')
export class FailedJobsController {
  constructor(private readonly service: FailedJobsService) {}

  @Get()
  @ApiOperation({ summary: 'Failed jobs of a queue (ids only, never a token), newest first' })
  @ApiQuery({ name: 'queue', required: false, enum: DEAD_LETTER_QUEUES })
  @ApiQuery({ name: 'limit', required: false })
  async list(@Query('queue') queue?: string, @Query('limit') limit?: string) {
    const name = queueName(queue);
    return {
      queue: name,
      jobs: await this.service.list(name, optionalInt(limit, 'limit', { max: 500 }) ?? 50),
    };
  }

  @Post(':id/retry')
  @HttpCode(200)
  @ApiOperation({ summary: 'Move one failed job back to waiting' })
  @ApiQuery({ name: 'queue', required: false, enum: DEAD_LETTER_QUEUES })
  async retry(
    @Param('id') id: string,
    @Req() request: AdminRequest,
    @Query('queue') queue?: string,
  ) {
    const job = await this.service.retry(queueName(queue), id, changeContext(request).actor);
    return { ...job, state: 'waiting' };
  }
}

function queueName(value: unknown): DeadLetterQueue {
  if (value === undefined) {
    return 'token-refresh';
  }
  const known = DEAD_LETTER_QUEUES.find((queue) => queue === value);
  if (known === undefined) {
    throw new AdminApiError('validation_failed', 'invalid queue', [
      { field: 'queue', message: `must be one of ${DEAD_LETTER_QUEUES.join(', ')}` },
    ]);
  }
  return known;
}
