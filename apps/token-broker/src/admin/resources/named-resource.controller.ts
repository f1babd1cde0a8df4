import {
  Body,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Req,
  Res,
} from '@nestjs/common';
import { ApiBearerAuth, ApiResponse } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { type AdminRequest, changeContext } from '../http/change-context';
import { expectedVersions, ROW_ETAG, rowEtag } from '../http/if-match';
import { PROBLEM_SCHEMA } from '../http/problem.schema';
import type { NamedResourceAdminService } from './named-resource-admin.service';

interface Row {
  id: string;
  name: string;
  rowVersion: number;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * CRUD routes with ETag / If-Match shared by the named admin resources; each subclass sets the
 * path, the guard and the service. Row versions are the ETags, as for policies.
 */
@ApiBearerAuth()
@ApiResponse({ status: 401, schema: PROBLEM_SCHEMA })
@ApiResponse({
  status: 422,
  description: 'invalid body, with per-field errors',
  schema: PROBLEM_SCHEMA,
})
export abstract class NamedResourceController<E extends Row> {
  protected abstract readonly service: NamedResourceAdminService<E>;
  /** URL path of the collection, for Location headers. */
  protected abstract readonly path: string;

  @Get()
  async list(): Promise<{ items: object[] }> {
    return { items: await this.service.list() };
  }

  @Get(':id')
  async get(@Param('id') id: string, @Res() reply: FastifyReply): Promise<void> {
    this.send(reply, await this.service.get(id));
  }

  @Post()
  @HttpCode(201)
  async create(
    @Req() request: AdminRequest,
    @Body() body: unknown,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const row = await this.service.create(body, changeContext(request));
    void reply.header('Location', `${this.path}/${row.id}`);
    this.send(reply, row, 201);
  }

  @Put(':id')
  async replace(
    @Req() request: AdminRequest,
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    this.send(
      reply,
      await this.service.replace(
        id,
        body,
        expectedVersions(ifMatch, ROW_ETAG),
        changeContext(request),
      ),
    );
  }

  @Patch(':id')
  async patch(
    @Req() request: AdminRequest,
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    this.send(
      reply,
      await this.service.patch(
        id,
        body,
        expectedVersions(ifMatch, ROW_ETAG),
        changeContext(request),
      ),
    );
  }

  @Delete(':id')
  async remove(
    @Req() request: AdminRequest,
    @Param('id') id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.service.remove(id, expectedVersions(ifMatch, ROW_ETAG), changeContext(request));
    await reply.status(204).send();
  }

  protected send(reply: FastifyReply, row: E, status = 200, extra: object = {}): void {
    void reply
      .status(status)
      .header('ETag', rowEtag(row.rowVersion))
      .header('Cache-Control', 'no-store')
      .send({ ...this.service.view(row), ...extra });
  }
}
