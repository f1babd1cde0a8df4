import { Writable } from 'node:stream';
import { createLogger } from './create-logger';

describe('log lines never carry a secret (second line of defence)', () => {
  const capture = () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    return { lines, destination };
  };

  it("redacts a failed query's parameters (sealed tokens) and token fields", () => {
    const { lines, destination } = capture();
    const logger = createLogger('test', 'info', destination);
    const failed = Object.assign(new Error('connection terminated'), {
      parameters: ['conn-1', 'v1.k1.sealed-refresh-token'],
    });
    logger.error({ err: failed, refresh_token: 'rt-plain' }, 'refresh write failed');
    const line = lines.join('');
    expect(line).toContain('connection terminated');
    expect(line).not.toContain('sealed-refresh-token');
    expect(line).not.toContain('rt-plain');
  });
});
