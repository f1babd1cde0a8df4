/** The kinds of credential handling a policy can require for a tool call. */
export const AUTH_METHOD_TYPES = [
  'oauth',
  'device_code',
  'api_key',
  'service_account',
  'none',
  'deny',
] as const;
export type AuthMethodType = (typeof AUTH_METHOD_TYPES)[number];

/** oauth, device_code: the user's own connection to `provider`, covering `scopes`, is injected. */
export interface ConnectionAuthMethod {
  type: 'oauth' | 'device_code';
  /** The provider the user must be connected to. */
  provider: string;
  /** Scopes the connection must cover (`[]` when the policy names none). */
  scopes: string[];
}

/** api_key: the caller must have authenticated with this key (or a key granted it). */
export interface ApiKeyAuthMethod {
  type: 'api_key';
  key_ref: string;
}

/** service_account: this machine credential is injected; no per-user link. */
export interface ServiceAccountAuthMethod {
  type: 'service_account';
  account_ref: string;
}

/** none: allowed, nothing injected. deny: refused. */
export interface PlainAuthMethod {
  type: 'none' | 'deny';
}

/**
 * What a policy requires of a call, told apart by `type` (snake_case: this is also the wire and
 * YAML shape). Each type carries exactly its own fields.
 */
export type AuthMethod =
  ConnectionAuthMethod | ApiKeyAuthMethod | ServiceAccountAuthMethod | PlainAuthMethod;

/** A policy as operators write it (YAML/JSON document entry, admin API body). */
export interface PolicyInput {
  name: string;
  match_pattern: string;
  priority: number;
  enabled?: boolean;
  description?: string;
  auth_method: AuthMethod;
}

/** A validated policy: every optional field filled with its default. */
export interface Policy {
  /** Persistence id; absent for policies not stored yet. */
  id?: string;
  name: string;
  match_pattern: string;
  priority: number;
  enabled: boolean;
  description: string;
  auth_method: AuthMethod;
}

/** One field-level problem, `field` is a dotted/indexed path such as `auth_policies[2].priority`. */
export interface FieldError {
  field: string;
  message: string;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

export type Decision = 'allow' | 'deny';

/** What the engine answers for one qualified tool name. */
export interface Resolution {
  tool: string;
  /** `deny` when the winning policy is `deny`, or when nothing matches and the default is deny. */
  decision: Decision;
  /** The winning policy, or null when nothing matched. */
  policy: Policy | null;
  /** The winner's auth method, or null when nothing matched. */
  auth_method: AuthMethod | null;
  /** Every enabled policy whose pattern matches, highest priority first (winner first). */
  candidates: Policy[];
  policy_set_version: number;
}

export interface CompileOptions {
  /** Version of the policy set being compiled (echoed in every resolution). */
  version: number;
  /** Decision when no enabled policy matches. Defaults to `deny`. */
  defaultDecision?: Decision;
}
