/** Who the admin token acts as, on revisions and audit events. */
export const ADMIN_TOKEN_ACTOR = 'admin-token';
