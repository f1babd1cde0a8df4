import type { z } from 'zod';

/**
 * An answer the broker was about to send does not match the contract the gateway parses it
 * with: a defect on our side. The message names the failing fields and rules only (never a
 * value: answers carry credentials); the error filter logs it and answers a generic 500.
 */
export class InternalAnswerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InternalAnswerError';
  }
}

/** The answer as sent, once it matches the contract's schema; otherwise InternalAnswerError. */
export function checkAnswer<S extends z.ZodType>(schema: S, answer: z.infer<S>): z.infer<S> {
  const result = schema.safeParse(answer);
  if (result.success) {
    return answer;
  }
  const problems = result.error.issues
    .map((issue) => `${issue.path.map(String).join('.') || '(answer)'}: ${issue.code}`)
    .join('; ');
  throw new InternalAnswerError(`internal API answer breaks the contract: ${problems}`);
}
