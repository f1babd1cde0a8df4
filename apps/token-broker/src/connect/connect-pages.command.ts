/** A request of the connect pages by a signed-in user of the broker pages. */
export interface SignedInCommand {
  user: string;
  /** The id of the user's broker-pages session (what the forms' CSRF tokens are bound to). */
  session: string;
}
