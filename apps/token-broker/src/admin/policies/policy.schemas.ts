import type { SchemaObject } from '@nestjs/swagger';

/** OpenAPI shapes of the policy resources (documentation only: validation is the engine's). */
export const AUTH_METHOD_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['type'],
  additionalProperties: false,
  properties: {
    type: {
      type: 'string',
      enum: ['oauth', 'device_code', 'api_key', 'service_account', 'none', 'deny'],
    },
    provider: {
      type: 'string',
      description: 'oauth, device_code: provider the user must be connected to',
    },
    scopes: { type: 'array', items: { type: 'string' }, description: 'oauth, device_code' },
    key_ref: { type: 'string', description: 'api_key: key the caller must present' },
    account_ref: { type: 'string', description: 'service_account: machine credential to inject' },
  },
};

export const POLICY_INPUT_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['name', 'match_pattern', 'priority', 'auth_method'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', example: 'GitHub tools' },
    match_pattern: {
      type: 'string',
      example: 'github.*',
      description: 'minimatch glob over `<upstream>.<tool>`',
    },
    priority: { type: 'integer', example: 100, description: 'unique; higher wins' },
    enabled: { type: 'boolean', default: true },
    description: { type: 'string', default: '' },
    auth_method: AUTH_METHOD_SCHEMA,
  },
};

export const POLICY_SCHEMA: SchemaObject = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    ...POLICY_INPUT_SCHEMA.properties,
    row_version: { type: 'integer' },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
  },
};
