import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, type GatewayConfig } from '@app/config';
import type { Remedy } from '@app/gateway-contract';
import { LOGGER } from '@app/observability';
import type { McpExchange } from '../mcp/mcp-exchange';
import { GATEWAY_REQUEST_STATE_PREFIX } from '../remedies/auth-required.encoder';
import { routeSessionKey } from '../sessions/session-streams';
import { CompletionListener } from './completion.listener';
import { PendingElicitationStore } from './pending-elicitation.store';

/** A 2026-07-28 retry's wait: `wait()` → true when the user completed, false on timeout / client gone. */
export interface AuthWaiter {
  wait(): Promise<boolean>;
  cancel(): void;
}

/**
 * Issue 9 §2, the obtain-credential step's side of "auth that completes while the client waits":
 * - `remember`: an auth-required answer that names an elicitation (−32042 to a legacy session
 *   that declared `elicitation.url`; an `InputRequiredResult`'s `requestState`) is recorded in
 *   Redis for the remedy's lifetime, with the subject (and the legacy session key).
 * - `begin`: a 2026-07-28 retry carrying our `requestState` for an elicitation of this subject
 *   that is still open waits — up to GATEWAY_AUTH_WAIT_MS, never past the remedy's expiry, ended
 *   by the client going away — for the completion. The waiter is registered before the broker is
 *   asked, so a completion in between is not missed.
 * On timeout the step answers what the broker answered for the retry (its remedy: for a device
 * code the same user code, for oauth a fresh state) — the client retries with that.
 */
@Injectable()
export class AuthWait {
  private readonly maxWaitMs: number;

  constructor(
    private readonly listener: CompletionListener,
    private readonly pending: PendingElicitationStore,
    @Inject(APP_CONFIG) config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.maxWaitMs = config.GATEWAY_AUTH_WAIT_MS;
  }

  async remember(exchange: McpExchange, remedy: Remedy): Promise<void> {
    const legacy =
      exchange.generation === 'legacy' &&
      exchange.session?.urlElicitation === true &&
      exchange.sessionId !== undefined;
    if (!legacy && exchange.generation !== 'modern') {
      return;
    }
    const id = remedy.auth_type === 'oauth' ? remedy.state : remedy.user_code;
    await this.pending
      .remember(
        id,
        {
          subject: exchange.principal!.subject,
          expiresAt: Date.now() + remedy.expires_in * 1000,
          ...(legacy
            ? {
                sessionKey:
                  exchange.sessionStreamKey ??
                  routeSessionKey(exchange.routeName, exchange.sessionId!),
              }
            : {}),
        },
        remedy.expires_in,
      )
      .catch((error: unknown) => {
        // Best effort: without the record the client still retries and succeeds.
        this.logger.warn({ err: error }, 'pending elicitation not recorded');
      });
  }

  /** A waiter for this request, or undefined when it is not a retry of an open elicitation of ours. */
  begin(exchange: McpExchange): AuthWaiter | undefined {
    const message = exchange.message;
    const state = message?.kind === 'request' ? message.params?.requestState : undefined;
    if (
      this.maxWaitMs === 0 ||
      exchange.generation !== 'modern' ||
      typeof state !== 'string' ||
      !state.startsWith(GATEWAY_REQUEST_STATE_PREFIX)
    ) {
      return undefined;
    }
    const id = state.slice(GATEWAY_REQUEST_STATE_PREFIX.length);
    const subject = exchange.principal!.subject;
    const method = exchange.resolution?.auth_method;
    const provider =
      method?.type === 'oauth' || method?.type === 'device_code' ? method.provider : undefined;
    const registration = this.listener.waitFor(id, subject, provider);
    const raw = exchange.reply.raw;
    let timer: NodeJS.Timeout | undefined;
    let onClose: (() => void) | undefined;
    const cancel = (): void => {
      registration.cancel();
      clearTimeout(timer);
      if (onClose !== undefined) {
        raw.off('close', onClose);
      }
    };
    const wait = async (): Promise<boolean> => {
      const record = await this.pending.find(id).catch(() => undefined);
      const remaining = record === undefined ? 0 : record.expiresAt - Date.now();
      if (record?.subject !== subject || remaining <= 0) {
        cancel();
        return false;
      }
      const gone = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), Math.min(this.maxWaitMs, remaining));
        onClose = () => resolve(false);
        raw.once('close', onClose);
      });
      const completed = await Promise.race([registration.done.then(() => true as const), gone]);
      cancel();
      return completed;
    };
    return { wait, cancel };
  }
}
