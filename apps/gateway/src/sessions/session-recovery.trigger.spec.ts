import pino from 'pino';
import type { JobProducer } from '@app/jobs';
import { SessionRecoveryTrigger } from './session-recovery.trigger';

describe('issue 10 §1 session recovery: a starting gateway asks the workers for a run', () => {
  it('queues the recovery when the application has started', () => {
    const requestSessionRecovery = jest.fn().mockResolvedValue(undefined);
    const trigger = new SessionRecoveryTrigger(
      { requestSessionRecovery } as unknown as JobProducer,
      pino({ level: 'silent' }),
    );
    trigger.onApplicationBootstrap();
    expect(requestSessionRecovery).toHaveBeenCalledTimes(1);
  });

  it('starts anyway when Redis cannot take the job, and says so (the schedule covers it)', async () => {
    const logger = pino({ level: 'silent' });
    const warn = jest.spyOn(logger, 'warn');
    const trigger = new SessionRecoveryTrigger(
      {
        requestSessionRecovery: () => Promise.reject(new Error('connect ECONNREFUSED')),
      } as unknown as JobProducer,
      logger,
    );
    expect(() => trigger.onApplicationBootstrap()).not.toThrow();
    await new Promise(setImmediate);
    expect(warn).toHaveBeenCalledWith(
      { err: { message: 'connect ECONNREFUSED' } },
      expect.stringContaining('session recovery not requested at start'),
    );
  });
});
