/** The few broker admin API calls the benchmark makes to set a gateway up. */
export class AdminClient {
  constructor(
    private readonly baseUrl: string,
    private readonly adminToken: string,
  ) {}

  /** Answers the parsed body; a non-2xx answer throws with its status and problem document. */
  async call(method: string, path: string, body: unknown): Promise<Record<string, unknown>> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.adminToken}`,
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await response.text();
    if (!response.ok) {
      throw new Error(`admin ${method} ${path} answered ${response.status}: ${text.slice(0, 500)}`);
    }
    return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  }
}
