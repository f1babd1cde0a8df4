import type { RequestCookies } from '../signed-cookie';
import type { RawExchange } from '../interaction-engine';

/** What every step of an MCP client's sign-in gets from its request. */
export interface InteractionCommand {
  /** The interaction id in the path (must be this browser's sign-in in progress). */
  uid: string;
  raw: RawExchange;
  cookies: RequestCookies;
}
