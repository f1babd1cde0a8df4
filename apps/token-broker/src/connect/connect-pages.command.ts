/** A request of the connect pages by a signed-in user of the broker pages. */
export interface SignedInCommand {
  user: string;
}
