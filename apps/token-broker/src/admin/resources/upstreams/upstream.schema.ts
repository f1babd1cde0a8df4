import { z } from 'zod';
import { text } from '../field.schemas';

/**
 * The route segment and the tool prefix: no dots (a dot separates upstream from tool), no
 * uppercase (one spelling per route), at most 63 characters.
 */
const upstreamName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, {
  message:
    'must be 1-63 characters: lowercase letters, digits, _ - (starting with a letter or digit)',
});

/**
 * http or https on any host: upstreams are set by the operator, so loopback and private addresses
 * are the usual case (an MCP server beside the gateway). No credentials in the URL and no
 * fragment: URLs are shown in answers and the audit trail.
 */
const upstreamUrl = z
  .string()
  .max(2048, { message: 'must be at most 2048 characters' })
  .refine(
    (value) => {
      try {
        const url = new URL(value);
        return (
          (url.protocol === 'https:' || url.protocol === 'http:') &&
          url.username === '' &&
          url.password === '' &&
          !value.includes('#')
        );
      } catch {
        return false;
      }
    },
    { message: 'must be an http:// or https:// URL without credentials or fragment' },
  );

/**
 * Headers the gateway or the HTTP layer owns: framing and hop-by-hop headers (RFC 9110 §7.6.1),
 * cookies, and the MCP transport's own headers, which are forwarded as the client sent them.
 */
const RESERVED_HEADERS = new Set([
  'accept',
  'authorization',
  'connection',
  'content-encoding',
  'content-length',
  'content-type',
  'cookie',
  'expect',
  'host',
  'keep-alive',
  'last-event-id',
  'origin',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'set-cookie',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);
const RESERVED_PREFIXES = ['mcp-', 'proxy-', 'sec-'];

/** An HTTP field name (RFC 9110 §5.1 token) the gateway may set. */
const headerName = z
  .string()
  .max(128, { message: 'must be at most 128 characters' })
  .regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, { message: 'must be an HTTP header name (a token)' })
  .refine(
    (name) => {
      const lower = name.toLowerCase();
      return !RESERVED_HEADERS.has(lower) && !RESERVED_PREFIXES.some((p) => lower.startsWith(p));
    },
    {
      message:
        'must not be a header the gateway owns (Host, Content-Length, Cookie, hop-by-hop, Mcp-*, …); for Authorization use {"type":"authorization"}',
    },
  );

export const credentialInjectionSchema = z.discriminatedUnion('type', [
  /** `Authorization: Bearer <credential>`. */
  z.strictObject({ type: z.literal('authorization') }),
  /** `<name>: <credential>`. */
  z.strictObject({ type: z.literal('header'), name: headerName }),
  /** Nothing is added (an open upstream, or one that authenticates the gateway otherwise). */
  z.strictObject({ type: z.literal('none') }),
]);

/** Whole milliseconds between `min` and `max`. */
const milliseconds = (min: number, max: number, fallback: number) =>
  z
    .number()
    .min(min, { message: `must be at least ${min}` })
    .max(max, { message: `must be at most ${max}` })
    // A refinement, not `.int()`: zod reports `.int()` as a type error, which the field-error
    // mapping shows as "is required".
    .refine(Number.isInteger, { message: 'must be an integer' })
    .default(fallback);

const TIMEOUTS: readonly PropertyKey[] = ['connect_timeout_ms', 'request_timeout_ms'];

export const upstreamInputSchema = z
  .strictObject({
    name: upstreamName,
    url: upstreamUrl,
    credential_injection: credentialInjectionSchema.default({ type: 'authorization' }),
    connect_timeout_ms: milliseconds(100, 60_000, 5000),
    request_timeout_ms: milliseconds(1000, 3_600_000, 60_000),
    enabled: z.boolean().default(true),
    description: text(1024).default(''),
  })
  .refine((u) => u.connect_timeout_ms <= u.request_timeout_ms, {
    path: ['connect_timeout_ms'],
    message: 'must not exceed request_timeout_ms',
    // Compared only when both are valid, so one bad value is reported once.
    when: (payload) => !payload.issues.some((issue) => TIMEOUTS.includes(issue.path?.[0] ?? '')),
  });

export type UpstreamInput = z.infer<typeof upstreamInputSchema>;
