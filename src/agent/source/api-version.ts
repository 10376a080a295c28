/**
 * The API server's version (GET /version), which decides whether status.loadBalancer.ingress[].ipMode
 * exists (src/agent/ipvs/coexistence.ts).
 */

export interface ApiServerVersion {
  readonly major: number;
  readonly minor: number;
  /** As the API server gives it: "v1.31.4+k3s1". */
  readonly gitVersion: string;
}

/** GET /version's answer → major and minor (k3s and others write minor as "31+"); undefined if unreadable. */
export function parseApiServerVersion(v: { readonly major?: string; readonly minor?: string; readonly gitVersion?: string }): ApiServerVersion | undefined {
  const m = /^v?(\d+)\.(\d+)/.exec(v.gitVersion ?? '');
  const major = Number(m?.[1] ?? /^\d+/.exec(v.major ?? '')?.[0]);
  const minor = Number(m?.[2] ?? /^\d+/.exec(v.minor ?? '')?.[0]);
  if (!Number.isInteger(major) || !Number.isInteger(minor)) return undefined;
  return { major, minor, gitVersion: v.gitVersion ?? `v${major}.${minor}` };
}
