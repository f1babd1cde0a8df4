import { z } from 'zod';

/** Validates with the parser the app will use; its messages never contain the value. */
export const checkedBy =
  (parse: (value: string) => unknown) =>
  (value: string, ctx: z.RefinementCtx): void => {
    try {
      parse(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
    }
  };

export const port = (fallback: number) =>
  z.coerce.number().int().min(1).max(65535).default(fallback);
