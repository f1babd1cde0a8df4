const isOws = (code: number): boolean => code === 0x20 || code === 0x09;

/**
 * RFC 9110 §5.5: the SP / HTAB around a field value are not part of it, so the mirrored headers are
 * compared without them (the SDK server strips them the same way). Walks the ends by index: the
 * obvious `/^[ \t]+|[ \t]+$/g` backtracks quadratically on a long inner run of blanks (a 16 KiB
 * header held the event loop ~90 ms).
 */
export function stripOptionalWhitespace(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isOws(value.charCodeAt(start))) {
    start += 1;
  }
  while (end > start && isOws(value.charCodeAt(end - 1))) {
    end -= 1;
  }
  return start === 0 && end === value.length ? value : value.slice(start, end);
}
