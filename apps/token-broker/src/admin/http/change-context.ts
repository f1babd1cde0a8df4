import type { FastifyRequest } from 'fastify';
import type { ChangeContext } from '@app/persistence';

/** A request the admin guard has authenticated (it sets the acting principal). */
export type AdminRequest = FastifyRequest & { adminActor?: string };

/** Who is changing what, for revisions and audit events: the admin principal and the request id. */
export function changeContext(request: AdminRequest): ChangeContext {
  return { actor: request.adminActor ?? 'unknown', correlationId: request.id };
}
