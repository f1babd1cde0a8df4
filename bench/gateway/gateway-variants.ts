import type { BenchOptions } from './bench-options';
import { BenchTokenIssuer } from './bench-token-issuer';
import type { BenchVariant } from './bench-variant';
import { CREDENTIAL_UPSTREAM, UPSTREAM } from './bench-policies';
import { GatewayStack } from './gateway-stack';
import { probeRoute } from './mcp-probe';

/** Variant (b) in its four forms; any that cannot start or answer is switched off, with why. */

export const GATEWAY_KEYS = ['gw-key', 'gw-jwt', 'gw-cred', 'gw-key-10k'] as const;

export interface GatewayVariants {
  variants: BenchVariant[];
  stacks: GatewayStack[];
  off: Map<string, string>;
}

const lastLines = (text: string, max = 1200) => (text.length > max ? `…${text.slice(-max)}` : text);

async function startStack(
  label: string,
  policyCount: number,
  options: BenchOptions,
  upstreamUrl: string,
  issuer: BenchTokenIssuer,
  stacks: GatewayStack[],
): Promise<GatewayStack> {
  const stack = new GatewayStack({
    label,
    policyCount,
    upstreamUrl,
    postgresUrl: options.postgresUrl,
    redisUrl: options.redisUrl,
    loadCore: options.loadCore,
    sutCore: options.sutCore,
    trustedIssuer: { issuer: issuer.issuer, jwksUri: issuer.jwksUri },
  });
  stacks.push(stack);
  await stack.start();
  return stack;
}

export async function startGatewayVariants(
  options: BenchOptions,
  upstreamUrl: string,
  issuer: BenchTokenIssuer,
  log: (line: string) => void,
): Promise<GatewayVariants> {
  const stacks: GatewayStack[] = [];
  const off = new Map<string, string>();
  const candidates: BenchVariant[] = [];
  const sizes: Array<{ label: string; count: number; keys: string[] }> = [
    { label: 'gateway-10', count: 10, keys: ['gw-key', 'gw-jwt', 'gw-cred'] },
    { label: 'gateway-10k', count: 10_000, keys: ['gw-key-10k'] },
  ];
  for (const size of sizes) {
    if (options.only !== undefined && !size.keys.some((k) => options.only?.has(k))) {
      continue;
    }
    log(
      `starting ${size.label} (fresh database, migrations, broker, ${size.count} policies, gateway)`,
    );
    let stack: GatewayStack;
    try {
      stack = await startStack(size.label, size.count, options, upstreamUrl, issuer, stacks);
    } catch (error) {
      const reason = `off: ${size.label} did not start: ${lastLines((error as Error).message)}`;
      size.keys.forEach((k) => off.set(k, reason));
      continue;
    }
    const pid = stack.gateway?.pid ?? 0;
    const apiKey = { Authorization: `ApiKey ${stack.apiKey}` };
    const route = (upstream: string) => `${stack.gatewayUrl}/mcp/${upstream}`;
    if (size.count === 10) {
      const jwt = { Authorization: `Bearer ${await issuer.sign(stack.resource(UPSTREAM))}` };
      candidates.push(
        {
          key: 'gw-key',
          label: '(b) gateway /mcp/bench, API key, 10 policies, nothing injected',
          target: { url: route(UPSTREAM), headers: apiKey },
          credentialHeaders: apiKey,
          pid,
          core: options.sutCore,
        },
        {
          key: 'gw-jwt',
          label: '(b) gateway, JWT (trusted issuer, ES256), 10 policies',
          target: { url: route(UPSTREAM), headers: jwt },
          credentialHeaders: jwt,
          pid,
          core: options.sutCore,
        },
        {
          key: 'gw-cred',
          label: '(b) gateway /mcp/benchsa, API key, service-account credential (cache hit)',
          target: { url: route(CREDENTIAL_UPSTREAM), headers: apiKey },
          credentialHeaders: apiKey,
          pid,
          core: options.sutCore,
        },
      );
    } else {
      candidates.push({
        key: 'gw-key-10k',
        label: '(b) gateway, API key, 10,000 policies',
        target: { url: route(UPSTREAM), headers: apiKey },
        credentialHeaders: apiKey,
        pid,
        core: options.sutCore,
      });
    }
  }
  const variants: BenchVariant[] = [];
  for (const variant of candidates) {
    try {
      const session = await probeRoute(variant.target);
      variants.push({
        ...variant,
        target: { ...variant.target, headers: { ...variant.target.headers, ...session } },
      });
    } catch (error) {
      off.set(
        variant.key,
        `off: the route does not serve the workload yet: ${(error as Error).message}`,
      );
    }
  }
  return { variants, stacks, off };
}
