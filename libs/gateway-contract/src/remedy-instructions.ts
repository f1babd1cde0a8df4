import type { Remedy } from './internal-api/credential-resolution.schema';

/**
 * Why the user is reading the text: a tool call that failed for want of a credential (the
 * client retries it), or the user asked to connect a provider (nothing to retry).
 */
export type RemedyOccasion = 'tool_call' | 'connect';

/**
 * The seed's human-readable `instructions` for a remedy (reference/001_guide.md, `-32001` data),
 * built from its facts: the one place this text is written. Wire encodings that carry a URL
 * (URL-mode elicitation, InputRequiredResult) use the facts themselves.
 */
export function remedyInstructions(remedy: Remedy, occasion: RemedyOccasion = 'tool_call'): string {
  switch (remedy.auth_type) {
    case 'device_code': {
      const step = `Go to ${remedy.verification_uri} and enter code: ${remedy.user_code}.`;
      return occasion === 'tool_call'
        ? `${step} The call can be retried once you have approved it.`
        : `${step} The gateway continues by itself once you approve.`;
    }
    case 'oauth': {
      const step = `Visit the authorization URL to connect your ${remedy.provider} account`;
      return occasion === 'tool_call' ? `${step}, then retry the call.` : `${step}.`;
    }
  }
}
