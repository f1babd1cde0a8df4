import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import {
  MAX_TOOL_NAME_LENGTH,
  type Policy,
  type Resolution,
  parsePolicyDocument,
  serializePolicyDocument,
  validatePolicy,
  validatePolicyDocument,
} from '@app/policy-engine';
import { LOGGER } from '@app/observability';
import {
  type ChangeContext,
  type PolicySetDiff,
  PolicyRepository,
  type StoredPolicy,
  type WriteResult,
} from '@app/persistence';
import { PolicyCache, PolicyChangePublisher } from '@app/policy-cache';
import { AdminApiError } from '../http/admin-api.error';
import { mergePatch } from './merge-patch';
import { isUuid } from '../http/uuid';

function assertId(id: string): void {
  if (!isUuid(id)) {
    throw new AdminApiError('not_found', `policy ${id} does not exist`);
  }
}

function validOrThrow(input: unknown): Policy {
  const result = validatePolicy(input);
  if (!result.ok) {
    throw new AdminApiError('validation_failed', 'the policy is invalid', result.errors);
  }
  return result.value;
}

/** Policy use cases behind the admin API: validate, write through the store, announce. */
@Injectable()
export class PolicyAdminService {
  constructor(
    private readonly repository: PolicyRepository,
    private readonly cache: PolicyCache,
    private readonly publisher: PolicyChangePublisher,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async list(): Promise<{ policies: StoredPolicy[]; version: number }> {
    return this.repository.listWithVersion();
  }

  async exportYaml(): Promise<{ yaml: string; version: number }> {
    const { version, policies } = await this.repository.loadSet();
    return { yaml: serializePolicyDocument(policies), version };
  }

  async get(id: string): Promise<StoredPolicy> {
    assertId(id);
    const policy = await this.repository.findById(id);
    if (!policy) {
      throw new AdminApiError('not_found', `policy ${id} does not exist`);
    }
    return policy;
  }

  async create(body: unknown, ctx: ChangeContext): Promise<WriteResult<StoredPolicy>> {
    return this.announce(await this.repository.create(validOrThrow(body), ctx));
  }

  async replace(
    id: string,
    body: unknown,
    expected: readonly number[] | undefined,
    ctx: ChangeContext,
  ): Promise<WriteResult<StoredPolicy>> {
    assertId(id);
    return this.announce(await this.repository.update(id, validOrThrow(body), expected, ctx));
  }

  async patch(
    id: string,
    body: unknown,
    expected: readonly number[] | undefined,
    ctx: ChangeContext,
  ): Promise<WriteResult<StoredPolicy>> {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new AdminApiError('validation_failed', 'a merge patch must be a JSON object', [
        { field: 'body', message: 'must be an object' },
      ]);
    }
    const current = await this.get(id);
    const { id: _id, row_version: _rv, created_at: _c, updated_at: _u, ...editable } = current;
    const merged = mergePatch(editable, body);
    return this.announce(
      await this.repository.update(
        id,
        validOrThrow(merged),
        expected ?? [current.row_version],
        ctx,
      ),
    );
  }

  async remove(
    id: string,
    expected: readonly number[] | undefined,
    ctx: ChangeContext,
  ): Promise<WriteResult<null>> {
    assertId(id);
    return this.announce(await this.repository.delete(id, expected, ctx));
  }

  /** Declarative replace of the whole set from a YAML or JSON document. */
  async replaceSet(
    text: string,
    format: 'yaml' | 'json',
    opts: { dryRun: boolean; expectedVersions?: readonly number[] },
    ctx: ChangeContext,
  ): Promise<WriteResult<PolicySetDiff>> {
    const parsed = parsePolicyDocument(text, format);
    if (!parsed.ok) {
      throw new AdminApiError('validation_failed', 'the policy document is invalid', parsed.errors);
    }
    return this.announce(await this.repository.replaceAll(parsed.value, opts, ctx));
  }

  async restore(version: number, ctx: ChangeContext): Promise<WriteResult<PolicySetDiff>> {
    const revision = await this.repository.getRevision(version);
    // Re-validated: rules may have tightened since the revision was written, and a set the
    // caches cannot compile must never be committed.
    const checked = validatePolicyDocument({
      auth_policies: revision.snapshot.map(({ id: _id, ...rest }) => rest),
    });
    if (!checked.ok) {
      throw new AdminApiError(
        'validation_failed',
        `revision ${version} no longer passes validation; fix it through PUT instead`,
        checked.errors,
      );
    }
    return this.announce(
      await this.repository.replaceAll(checked.value, { reason: `restore:${version}` }, ctx),
    );
  }

  async resolve(tool: unknown): Promise<Resolution> {
    // Names the engine can never match (bad characters) still resolve, to the deny the gateway
    // would apply; only a missing or oversized parameter is the caller's mistake.
    if (typeof tool !== 'string' || tool.length === 0 || tool.length > MAX_TOOL_NAME_LENGTH) {
      throw new AdminApiError('validation_failed', 'tool is required', [
        {
          field: 'tool',
          message: `must be a qualified tool name (<upstream>.<tool>) of 1-${MAX_TOOL_NAME_LENGTH} characters`,
        },
      ]);
    }
    try {
      await this.cache.ensureVersion(await this.repository.currentVersion());
    } catch (error) {
      // Database unreachable: answer from the last good set, whose version the answer carries.
      this.logger.warn(
        { err: error },
        'resolve: cannot read the policy-set version; answering from the cache',
      );
    }
    return this.cache.resolve(tool);
  }

  /** After a commit: bring our own cache up to date and tell every other cache. */
  private async announce<T>(result: WriteResult<T>): Promise<WriteResult<T>> {
    if (result.changed) {
      const published = await this.publisher.publish(result.version);
      if (!published) {
        this.logger.warn(
          { version: result.version },
          'policy change not published (Redis unreachable); caches will catch up by polling',
        );
      }
      await this.cache.ensureVersion(result.version);
    }
    return result;
  }
}
