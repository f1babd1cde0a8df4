import type { OAuthClientError, OAuthClientErrorCode } from '@app/provider-flows';
import { messagePage, type PageOutcome } from './page-outcome';

/** How the connect pages show each provider-flow failure: one entry per code, none forgotten. */
const PAGES: Record<
  OAuthClientErrorCode,
  { status: number; title: string; message: (error: OAuthClientError) => string; log?: true }
> = {
  invalid_state: {
    status: 400,
    title: 'Link expired',
    message: () => 'This connection attempt expired or was already completed. Start again.',
  },
  wrong_user: {
    status: 403,
    title: 'Not your connection',
    message: () => 'This connection was started by another user.',
  },
  unknown_provider: { status: 404, title: 'Unknown provider', message: (e) => e.message },
  not_allowed: { status: 400, title: 'Not available', message: (e) => e.message },
  bad_response: { status: 502, title: 'Not connected', message: providerFailed, log: true },
  oauth_error: { status: 502, title: 'Not connected', message: providerFailed, log: true },
  unreachable: { status: 502, title: 'Not connected', message: providerFailed, log: true },
};

function providerFailed(error: OAuthClientError): string {
  return `The provider could not complete the connection: ${error.message}`;
}

/** The page for a provider-flow failure, and whether it is worth a warning in the log. */
export function providerFlowPage(error: OAuthClientError): { page: PageOutcome; log: boolean } {
  const entry = PAGES[error.code];
  return {
    page: messagePage(entry.status, entry.title, entry.message(error)),
    log: entry.log === true,
  };
}
