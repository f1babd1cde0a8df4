import type { CookieToSet } from '../../authorization/signed-cookie';
import type { ConsentView } from '../../authorization/pages';

/**
 * What a page use case answers, for the page renderer to send: a redirect, a message page, the
 * consent page or a ready page body, with the cookies to set. Use cases never touch the reply.
 */
export type PageOutcome = (
  | { kind: 'redirect'; location: string }
  | { kind: 'message'; status: number; title: string; message: string }
  | { kind: 'consent'; view: ConsentView }
  | { kind: 'html'; status: number; html: string }
) & {
  cookies?: CookieToSet[];
  /** `Set-Cookie` values written by the OAuth engine's own cookie code (its session). */
  engineCookies?: string[];
};

export function redirectTo(location: string, cookies?: CookieToSet[]): PageOutcome {
  return { kind: 'redirect', location, ...(cookies === undefined ? {} : { cookies }) };
}

export function messagePage(
  status: number,
  title: string,
  message: string,
  cookies?: CookieToSet[],
): PageOutcome {
  return { kind: 'message', status, title, message, ...(cookies === undefined ? {} : { cookies }) };
}

/** The outcome with more cookies set. */
export function withCookies(outcome: PageOutcome, cookies: CookieToSet[]): PageOutcome {
  return { ...outcome, cookies: [...(outcome.cookies ?? []), ...cookies] };
}
