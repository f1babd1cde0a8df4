import { z } from 'zod';

const UUID = z.uuid();

/** Whether a path id can name a stored row at all (anything else is simply not found). */
export function isUuid(value: string): boolean {
  return UUID.safeParse(value).success;
}
