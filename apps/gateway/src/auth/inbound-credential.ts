/** The credential a request presented, as found by the extract-credential step. */
export type InboundCredential =
  { scheme: 'bearer'; token: string } | { scheme: 'api_key'; key: string };
