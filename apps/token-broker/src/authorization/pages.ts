import { describeScope } from './scopes';

/** Headers of every HTML page we serve: no framing (clickjacking), no caching, no scripts. */
export const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  // Same-origin only: form posts keep their Origin header, nothing leaks to other sites.
  'referrer-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
} as const;

export function escapeHtml(value: unknown): string {
  return String(value)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#1f2328}
h1{font-size:1.4rem}.box{border:1px solid #d0d7de;border-radius:8px;padding:1rem 1.25rem;margin:1rem 0}
.warn{background:#fff8c5;border-color:#d4a72c}.muted{color:#59636e;font-size:.9rem}code{word-break:break-all}
button{font-size:1rem;padding:.5rem 1.25rem;margin-right:.5rem;border-radius:6px;border:1px solid #d0d7de;cursor:pointer}
button.primary{background:#1f883d;color:#fff;border-color:#1f883d}`;

export function renderPage(title: string, body: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

export function renderErrorPage(error: unknown, description: unknown): string {
  return renderPage(
    'Sign-in problem',
    `<h1>Sign-in problem</h1><div class="box"><p><strong>${escapeHtml(error ?? 'error')}</strong></p>${
      description === undefined ? '' : `<p>${escapeHtml(description)}</p>`
    }</div><p class="muted">Go back to your application and start again.</p>`,
  );
}

export function renderMessagePage(title: string, message: string): string {
  return renderPage(
    title,
    `<h1>${escapeHtml(title)}</h1><div class="box"><p>${escapeHtml(message)}</p></div>`,
  );
}

export interface ConsentView {
  action: string;
  csrfToken: string;
  clientId: string;
  clientName: string | undefined;
  /** How the client is known: registered dynamically, or by its metadata document URL. */
  clientSource: 'registered' | 'metadata_document';
  redirectHost: string;
  /** The redirect goes to this computer only (loopback): anyone can claim such a client. */
  loopbackRedirect: boolean;
  scopes: string[];
  resources: string[];
  /** Shown when the user is already signed in. */
  userLabel: string | undefined;
}

/**
 * The consent page (SPEC-MUST 26): names the client, shows where the browser will be sent, warns
 * when that is localhost, lists the scopes, carries a CSRF token.
 */
export function renderConsentPage(view: ConsentView): string {
  const name = view.clientName ?? view.clientId;
  const source =
    view.clientSource === 'metadata_document'
      ? `Identified by its metadata document at <code>${escapeHtml(view.clientId)}</code>.`
      : `Registered itself with this gateway as <code>${escapeHtml(view.clientId)}</code>; its name is not verified.`;
  const warning = view.loopbackRedirect
    ? `<div class="box warn" role="alert"><strong>This application runs on your computer (localhost).</strong> Any program on this device can use this name. Continue only if you started the sign-in from an application on this device yourself.</div>`
    : '';
  const scopes = view.scopes
    .map(
      (scope) => `<li><code>${escapeHtml(scope)}</code> — ${escapeHtml(describeScope(scope))}</li>`,
    )
    .join('');
  return renderPage(
    `Allow ${name}?`,
    `<h1>Allow <span id="client-name">${escapeHtml(name)}</span> to use the MCP gateway?</h1>
${view.userLabel === undefined ? '' : `<p class="muted">Signed in as ${escapeHtml(view.userLabel)}</p>`}
<div class="box"><p class="muted">${source}</p>
<p>After you answer you will be sent to <strong id="redirect-host">${escapeHtml(view.redirectHost)}</strong>.</p></div>
${warning}
<div class="box"><p>It asks to:</p><ul id="scopes">${scopes}</ul>
<p class="muted">For: ${view.resources.map((r) => `<code>${escapeHtml(r)}</code>`).join(', ')}</p></div>
<form method="post" action="${escapeHtml(view.action)}">
<input type="hidden" name="csrf" value="${escapeHtml(view.csrfToken)}">
<button class="primary" type="submit" name="decision" value="allow" id="allow">Allow</button>
<button type="submit" name="decision" value="deny" id="deny">Deny</button>
</form>`,
  );
}

/**
 * The engine's logout confirmation (OIDC RP-initiated logout). `form` is the engine's own hidden
 * form (id `op.logoutForm`, with its xsrf token); the buttons submit it.
 */
export function renderLogoutPage(form: string): string {
  return renderPage(
    'Sign out?',
    `<h1>Sign out of the MCP gateway?</h1>${form}
<button class="primary" autofocus type="submit" form="op.logoutForm" value="yes" name="logout" id="logout-yes">Yes, sign me out</button>
<button type="submit" form="op.logoutForm" id="logout-no">No, stay signed in</button>`,
  );
}

export interface ConnectionRow {
  id: string;
  provider: string;
  status: string;
  scopes: string[];
  expires_at: string | null;
}

/** The user's connections, each with a CSRF-protected revoke form, and the sign-out form. */
export function renderConnectionsPage(rows: ConnectionRow[], csrf: string): string {
  const items = rows
    .map(
      (c) =>
        `<tr><td>${escapeHtml(c.provider)}</td><td>${escapeHtml(c.status)}</td><td><code>${escapeHtml(c.scopes.join(' '))}</code></td><td>${escapeHtml(c.expires_at ?? 'never')}</td><td>${
          c.status === 'revoked'
            ? ''
            : `<form method="post" action="/connections/${escapeHtml(c.id)}/revoke"><input type="hidden" name="csrf" value="${escapeHtml(csrf)}"><button type="submit">Revoke</button></form>`
        }</td></tr>`,
    )
    .join('');
  return renderPage(
    'Your connections',
    `<h1>Your connections</h1>${
      rows.length === 0
        ? '<p id="empty">You have not connected any account yet.</p>'
        : `<table id="connections"><thead><tr><th>Provider</th><th>Status</th><th>Scopes</th><th>Expires</th><th></th></tr></thead><tbody>${items}</tbody></table>`
    }<p class="muted">Revoking forgets the tokens here and asks the provider to revoke them.</p>
<form method="post" action="/logout"><input type="hidden" name="csrf" value="${escapeHtml(csrf)}"><button type="submit" id="logout">Sign out</button></form>`,
  );
}
