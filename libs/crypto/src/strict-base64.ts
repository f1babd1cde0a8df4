/**
 * Strict base64 decoding. Node's `Buffer.from(text, 'base64')` skips characters it does not know
 * and ignores stray trailing bits, so a typo in a key or a tampered sealed value would silently
 * decode to *something*. These helpers accept only the canonical encoding of some byte string and
 * return `null` for anything else.
 */

const BASE64_ANY = /^[A-Za-z0-9+/_-]*={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Decodes unpadded base64url (RFC 4648 §5), the form used inside sealed values. */
export function decodeBase64Url(text: string): Buffer | null {
  if (!BASE64URL.test(text)) {
    return null;
  }
  return decodeCanonical(text);
}

/**
 * Decodes base64 or base64url, padded or not, as an operator may paste either into an environment
 * variable. Mixing the two alphabets in one value is refused as a likely copy-paste accident.
 */
export function decodeBase64OrBase64Url(text: string): Buffer | null {
  if (!BASE64_ANY.test(text)) {
    return null;
  }
  if (/[+/]/.test(text) && /[-_]/.test(text)) {
    return null;
  }
  const unpadded = text.replace(/=+$/, '');
  if (unpadded.length !== text.length && text.length % 4 !== 0) {
    return null;
  }
  return decodeCanonical(unpadded.replace(/\+/g, '-').replace(/\//g, '_'));
}

/** `unpadded` is base64url without padding; re-encoding must give it back exactly. */
function decodeCanonical(unpadded: string): Buffer | null {
  if (unpadded.length % 4 === 1) {
    return null;
  }
  const bytes = Buffer.from(unpadded, 'base64url');
  return bytes.toString('base64url') === unpadded ? bytes : null;
}
