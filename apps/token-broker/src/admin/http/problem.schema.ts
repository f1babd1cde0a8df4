import type { SchemaObject } from '@nestjs/swagger';

/** OpenAPI schema of an RFC 9457 problem answer (every admin API error). */
export const PROBLEM_SCHEMA: SchemaObject = {
  type: 'object',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string' },
    instance: { type: 'string' },
    correlation_id: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        properties: { field: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
};
