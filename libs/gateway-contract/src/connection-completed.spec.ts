import { connectionCompletedChannel, parseConnectionCompleted } from './connection-completed';

describe('connection-completed contract (issue 9 §2)', () => {
  it('reads {subject, provider, elicitation_id}', () => {
    expect(
      parseConnectionCompleted('{"subject":"u1","provider":"github","elicitation_id":"st-1"}'),
    ).toEqual({ subject: 'u1', provider: 'github', elicitation_id: 'st-1' });
  });

  it('refuses extra fields (a token never rides along), missing fields and non-JSON', () => {
    expect(
      parseConnectionCompleted(
        '{"subject":"u1","provider":"github","elicitation_id":"s","access_token":"x"}',
      ),
    ).toBeUndefined();
    expect(parseConnectionCompleted('{"subject":"u1","provider":"github"}')).toBeUndefined();
    expect(parseConnectionCompleted('not json')).toBeUndefined();
  });

  it('names the channel under the key prefix', () => {
    expect(connectionCompletedChannel('mcpgw:')).toBe('mcpgw:connections:completed');
  });
});
