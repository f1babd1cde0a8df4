import type { UpstreamView } from '@app/upstream-cache';

/** The route name the aggregate uses where the transparent steps key things by route. */
export const AGGREGATE_ROUTE = '*';

/** A qualified name `<upstream>.<name>` split into its upstream and the upstream's own name. */
export interface QualifiedName {
  upstream: UpstreamView;
  name: string;
}

/**
 * Issue 9 §1 naming: tools and prompts appear as `<upstream>.<name>`. Upstream names may contain
 * dots, so `a.b.tool` belongs to the longest enabled upstream name that is a prefix followed by
 * `.` (`a.b` before `a`); what is left must not be empty.
 */
export function splitQualified(
  qualified: string,
  upstreams: readonly UpstreamView[],
): QualifiedName | undefined {
  let best: UpstreamView | undefined;
  for (const upstream of upstreams) {
    if (
      upstream.enabled &&
      qualified.length > upstream.name.length + 1 &&
      qualified.startsWith(`${upstream.name}.`) &&
      (best === undefined || upstream.name.length > best.name.length)
    ) {
      best = upstream;
    }
  }
  return best === undefined
    ? undefined
    : { upstream: best, name: qualified.slice(best.name.length + 1) };
}

export function qualify(upstream: string, name: string): string {
  return `${upstream}.${name}`;
}
