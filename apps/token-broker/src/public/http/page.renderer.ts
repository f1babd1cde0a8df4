import { Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { PAGE_HEADERS, renderConsentPage, renderMessagePage } from '../../authorization/pages';
import type { PageOutcome } from './page-outcome';

/** Sends a page outcome: every HTML page and redirect of the broker's pages goes through here. */
@Injectable()
export class PageRenderer {
  send(reply: FastifyReply, outcome: PageOutcome): void {
    for (const cookie of outcome.cookies ?? []) {
      void reply.setCookie(cookie.name, cookie.value, cookie.options);
    }
    if (outcome.engineCookies !== undefined && outcome.engineCookies.length > 0) {
      void reply.header('set-cookie', outcome.engineCookies);
    }
    switch (outcome.kind) {
      case 'redirect':
        void reply
          .code(303)
          .header('location', outcome.location)
          .header('cache-control', 'no-store')
          .send();
        return;
      case 'message':
        void reply
          .code(outcome.status)
          .headers(PAGE_HEADERS)
          .send(renderMessagePage(outcome.title, outcome.message));
        return;
      case 'consent':
        void reply.code(200).headers(PAGE_HEADERS).send(renderConsentPage(outcome.view));
        return;
      case 'html':
        void reply.code(outcome.status).headers(PAGE_HEADERS).send(outcome.html);
        return;
    }
  }
}
