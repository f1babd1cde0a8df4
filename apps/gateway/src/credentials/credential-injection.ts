import type { UpstreamView } from '@app/upstream-cache';

/**
 * How the upstream wants the credential: the broker's headers as they are (`authorization`), the
 * bare token in a named header (`header`), or nothing (`none`: the policy still decided).
 */
export function injection(
  upstream: UpstreamView,
  headers: Readonly<Record<string, string>>,
): Record<string, string> {
  const rule = upstream.credentialInjection;
  switch (rule.type) {
    case 'authorization':
      return { ...headers };
    case 'none':
      return {};
    case 'header': {
      const { authorization, ...rest } = headers;
      const token = authorization?.replace(/^Bearer +/i, '');
      return token === undefined ? rest : { ...rest, [rule.name.toLowerCase()]: token };
    }
  }
}
