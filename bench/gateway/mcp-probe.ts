import { isDeepStrictEqual } from 'node:util';
import type { Target } from './load-generators';
import {
  INITIALIZE_BODY,
  INITIALIZED_NOTIFICATION,
  MCP_HEADERS,
  toolResult,
  TOOLS_CALL_BODY,
} from './workload';

/**
 * What a client does before it calls tools, done once per variant before any load: initialize,
 * notifications/initialized, one tools/call whose result must be the upstream's own. Answers the
 * headers the load must add (the session id, when the route hands one out), or throws saying
 * which step answered what.
 */

async function post(url: string, headers: Record<string, string>, body: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...MCP_HEADERS, ...headers },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** A JSON-RPC answer as JSON, or as the last `data:` event of an SSE stream. */
function message(answer: { headers: Headers; text: string }): unknown {
  if ((answer.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    const data = answer.text
      .split('\n')
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).trim());
    return JSON.parse(data.at(-1) ?? 'null');
  }
  return JSON.parse(answer.text);
}

export async function probeRoute(target: Target): Promise<Record<string, string>> {
  const init = await post(target.url, target.headers, INITIALIZE_BODY);
  if (init.status !== 200) {
    throw new Error(`initialize answered ${init.status}: ${init.text.slice(0, 300)}`);
  }
  const session = init.headers.get('mcp-session-id');
  const headers = { ...target.headers, ...(session === null ? {} : { 'Mcp-Session-Id': session }) };
  const initialized = await post(target.url, headers, INITIALIZED_NOTIFICATION);
  if (initialized.status !== 202) {
    throw new Error(
      `notifications/initialized answered ${initialized.status}: ${initialized.text.slice(0, 300)}`,
    );
  }
  const call = await post(target.url, headers, TOOLS_CALL_BODY);
  const expected = JSON.parse(toolResult(1)) as { result: unknown };
  let result: unknown;
  try {
    result = (message(call) as { result?: unknown }).result;
  } catch {
    result = undefined;
  }
  if (call.status !== 200 || !isDeepStrictEqual(result, expected.result)) {
    throw new Error(
      `tools/call answered ${call.status} without the upstream's result: ${call.text.slice(0, 300)}`,
    );
  }
  return session === null ? {} : { 'Mcp-Session-Id': session };
}
