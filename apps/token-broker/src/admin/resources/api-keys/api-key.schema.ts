import { z } from 'zod';
import { resourceName, text } from '../field.schemas';

/** An API key as operators manage it; the key itself is generated, shown once, never accepted. */
export const apiKeyInputSchema = z.strictObject({
  name: resourceName,
  permissions: z
    .array(text(128).min(1, { message: 'must not be empty' }))
    .max(100)
    .default([]),
  active: z.boolean().default(true),
  expires_at: z.iso
    .datetime({ offset: true, message: 'must be an RFC 3339 date-time' })
    .nullable()
    .default(null),
});
