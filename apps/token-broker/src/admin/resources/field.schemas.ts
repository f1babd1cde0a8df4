import { z } from 'zod';
import { isLoopbackHost } from '@app/crypto';
import { unstorableText } from '@app/policy-engine';

// Text Postgres can store and a person can read: no control characters, no lone surrogates.
// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const PRINTABLE = /^[^\u0000-\u001f\u007f]*$/u;

/** Resource names that policies refer to (`provider`, `key_ref`, `account_ref`). */
export const resourceName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, {
  message: 'must be 1-64 characters: letters, digits, _ . - (starting with a letter or digit)',
});

export const text = (max: number) =>
  z
    .string()
    .max(max, { message: `must be at most ${max} characters` })
    .regex(PRINTABLE, { message: 'must not contain control characters' })
    .refine((v) => !unstorableText(v), { message: 'must be valid Unicode text' });

export const secretText = (max: number) =>
  z
    .string()
    .min(1, { message: 'must not be empty' })
    .max(max, { message: `must be at most ${max} characters` })
    .refine((v) => !unstorableText(v), { message: 'must be valid text without NUL' });

/**
 * HTTPS, or plain HTTP on a loopback host for local development (SPEC-MUST 28). No credentials
 * in the URL (`user:pass@`) and no fragment: URLs are shown in answers and the audit trail.
 */
export const endpointUrl = z
  .string()
  .max(2048)
  .refine(
    (value) => {
      try {
        const url = new URL(value);
        const scheme =
          url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
        return (
          scheme &&
          url.username === '' &&
          url.password === '' &&
          url.hash === '' &&
          !value.includes('#')
        );
      } catch {
        return false;
      }
    },
    {
      message:
        'must be an https:// URL (http:// only on a loopback host) without credentials or fragment',
    },
  );

/**
 * A secret that ends up in an HTTP header: visible ASCII, inner spaces allowed, no leading or
 * trailing whitespace, no CR/LF (RFC 9110 §5.5), so it can never split or smuggle a header.
 */
export const headerSecret = (max: number) =>
  z
    .string()
    .min(1, { message: 'must not be empty' })
    .max(max, { message: `must be at most ${max} characters` })
    .regex(/^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/, {
      message:
        'must be visible ASCII without leading or trailing whitespace (it is sent in an HTTP header)',
    });

export const scopeList = z.array(text(512).min(1, { message: 'must not be empty' })).max(100);
