/**
 * The policy sets of the gateway variants. The benchmarked tools match one policy each
 * (`bench.*`: nothing to inject; `benchsa.*`: a service account, so the call needs a credential
 * the gateway keeps cached); the rest never match and have distinct literal prefixes, so the
 * 10,000-policy set tests that resolution does not scan them.
 */

export const UPSTREAM = 'bench';
/** The same upstream server under a second name, whose policy injects a credential. */
export const CREDENTIAL_UPSTREAM = 'benchsa';
export const SERVICE_ACCOUNT = 'bench_sa';

interface PolicyDocument {
  auth_policies: Array<{
    name: string;
    match_pattern: string;
    priority: number;
    auth_method: Record<string, string>;
  }>;
}

export function benchPolicies(count: number): PolicyDocument {
  const policies: PolicyDocument['auth_policies'] = [
    {
      name: 'bench tools',
      match_pattern: `${UPSTREAM}.*`,
      priority: 1_000_000,
      auth_method: { type: 'none' },
    },
    {
      name: 'bench tools with a credential',
      match_pattern: `${CREDENTIAL_UPSTREAM}.*`,
      priority: 999_999,
      auth_method: { type: 'service_account', account_ref: SERVICE_ACCOUNT },
    },
  ];
  for (let i = policies.length; i < count; i++) {
    policies.push({
      name: `filler ${i}`,
      match_pattern: `filler${String(i).padStart(5, '0')}.*`,
      priority: i,
      auth_method: i % 2 === 0 ? { type: 'none' } : { type: 'deny' },
    });
  }
  return { auth_policies: policies };
}
