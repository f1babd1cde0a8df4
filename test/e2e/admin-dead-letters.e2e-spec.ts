import 'reflect-metadata';
import { UnrecoverableError, Worker } from 'bullmq';
import { JOBS, QUEUES, refreshJobId } from '@app/jobs';
import { within } from '@app/testing';
import { startAdminApi, type AdminApiHarness } from '../support/admin-api.harness';
import { call } from '../support/http';

/**
 * Issue 10 §2 "a dead-letter view in the admin API": the failed jobs of the workers' queues
 * (ids only) and retrying one, behind the admin token, errors as RFC 9457 problem details.
 */
describe('admin API: dead letters (/admin/v1/jobs/failed)', () => {
  let h: AdminApiHarness;
  const connectionId = crypto.randomUUID();
  const payload = { connectionId, generation: 3 };
  const jobId = refreshJobId(payload);

  beforeAll(async () => {
    h = await startAdminApi();
    const queue = h.infrastructure.jobs.refreshQueue;
    // A field outside the catalog's payload: the view must not echo it.
    await queue.add(JOBS.tokenRefresh, { ...payload, note: 'not-an-id' } as typeof payload, {
      jobId,
      attempts: 1,
    });
    // Stands in for the workers: refuses the refresh for good, as invalid_grant does.
    const worker = new Worker(
      QUEUES.tokenRefresh,
      async () => {
        throw new UnrecoverableError('needs_reauth: invalid_grant');
      },
      {
        prefix: `${h.config.REDIS_KEY_PREFIX}bull`,
        connection: { url: h.config.REDIS_URL, maxRetriesPerRequest: null },
      },
    );
    try {
      await within(10_000, async () => (await queue.getJobCounts('failed')).failed === 1);
    } finally {
      await worker.close();
    }
  });

  afterAll(async () => {
    await h.infrastructure.jobs.refreshQueue.obliterate({ force: true });
    await h.close();
  });

  it('requires the admin token: 401 problem+json', async () => {
    const res = await call(h.baseUrl, 'GET', '/admin/v1/jobs/failed', { token: null });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('lists the failed refresh with its ids, reason, attempts and time; nothing else of the payload', async () => {
    const res = await call(h.baseUrl, 'GET', '/admin/v1/jobs/failed?queue=token-refresh&limit=10');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      queue: 'token-refresh',
      jobs: [
        {
          id: jobId,
          name: 'token-refresh',
          connection_id: connectionId,
          generation: 3,
          pending_id: null,
          failed_reason: 'needs_reauth: invalid_grant',
          attempts_made: 1,
          finished_on: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        },
      ],
    });
    expect(res.text).not.toContain('not-an-id');
  });

  it('an unknown queue or a bad limit → 422 naming the field', async () => {
    const queue = await call(h.baseUrl, 'GET', '/admin/v1/jobs/failed?queue=maintenance');
    expect(queue.status).toBe(422);
    expect(queue.json).toMatchObject({ code: 'validation_failed', errors: [{ field: 'queue' }] });
    const limit = await call(h.baseUrl, 'GET', '/admin/v1/jobs/failed?limit=0');
    expect(limit.status).toBe(422);
    expect(limit.json).toMatchObject({ errors: [{ field: 'limit' }] });
  });

  it('the credentials queue has its own (empty) list', async () => {
    const res = await call(h.baseUrl, 'GET', '/admin/v1/jobs/failed?queue=credentials');
    expect(res.json).toEqual({ queue: 'credentials', jobs: [] });
  });

  it('retry moves the job back to waiting; it leaves the list; retrying it again is a 409; an unknown id a 404', async () => {
    const res = await call(h.baseUrl, 'POST', `/admin/v1/jobs/failed/${jobId}/retry`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id: jobId, connection_id: connectionId, state: 'waiting' });
    const job = await h.infrastructure.jobs.refreshQueue.getJob(jobId);
    expect(await job!.getState()).toBe('waiting');
    expect((await call(h.baseUrl, 'GET', '/admin/v1/jobs/failed')).json.jobs).toEqual([]);
    const again = await call(h.baseUrl, 'POST', `/admin/v1/jobs/failed/${jobId}/retry`);
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({
      code: 'conflict',
      detail: `job "${jobId}" is waiting, not failed`,
    });
    const missing = await call(h.baseUrl, 'POST', '/admin/v1/jobs/failed/refresh_nope_1/retry');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});
