/** An upstream as the gateway routes to it (the shape `@app/upstream-cache` serves). */
export interface UpstreamRoute {
  readonly name: string;
  readonly url: string;
  readonly credentialInjection:
    | { readonly type: 'authorization' }
    | { readonly type: 'header'; readonly name: string }
    | { readonly type: 'none' };
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly enabled: boolean;
}

/** Where the gateway looks upstreams up by route name, synchronously (an in-memory set). */
export abstract class UpstreamDirectory {
  abstract get(name: string): UpstreamRoute | undefined;
}
