/**
 * `vipgate agent --check`: validate a configuration without running anything, and say what it means.
 * - `--config FILE`: any of the three formats (vipgate's YAML, MetalLB's legacy ConfigMap, MetalLB's CRDs
 *   with the Secrets their BGPPeers name), or with `--metallb-objects F1,F2,...` (what `--metallb-namespace`
 *   would list, e.g. `kubectl get ipaddresspools,bgppeers,bgpadvertisements,bfdprofiles,communities -o yaml`)
 *   vipgate's settings only;
 * - every error and every warning is printed with its object and field path, and for a valid configuration
 *   each peer's session features and the node-wide ones (config/check-report.ts); exit 0 when valid
 *   (warnings or not), 3 when not, 1 when a file cannot be read;
 * - `--source file:PATH` (Services, EndpointSlices, Nodes, Namespaces as the file source reads them) adds what
 *   each node (or `--node`) would announce to each peer, after assigning addresses as the IPAM leader would,
 *   and why a Service is announced by nobody.
 */
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { ConfigError, type ConfigIssue } from '../config/error.js';
import { yamlDocumentValues } from '../config/router-config.js';
import { formatCommunity, formatLargeCommunity } from '../config/community-text.js';
import { formatPrefix } from '../lib/address.js';
import { plan } from './announce/desired.js';
import { agentCheckReport } from './config/check-report.js';
import { checkAgentConfig, parseAgentSettings, type AgentConfigCheck } from './config/load.js';
import type { AgentConfig } from './config/model.js';
import { Allocator } from './ipam/allocator.js';
import { serviceKey, type Snapshot } from './model.js';
import { parseManifests } from './source/file.js';

export interface CheckArgs {
  readonly config?: string | undefined;
  /** Files of MetalLB objects, as `--metallb-namespace` would read them from the cluster. */
  readonly metallbObjects?: readonly string[] | undefined;
  /** `file:PATH`: the cluster to show the announcements for. */
  readonly source?: string | undefined;
  readonly node?: string | undefined;
}

class Unreadable extends Error {}

async function text(file: string): Promise<string> {
  try { return await readFile(file, 'utf8'); } catch (e) { throw new Unreadable(`cannot read ${file}: ${(e as Error).message}`); }
}

function documents(t: string, source: string): unknown[] {
  const list = parseAllDocuments(t, { prettyErrors: true, uniqueKeys: true });
  return yamlDocumentValues(Array.isArray(list) ? list : [list], source).filter((d) => d !== null && d !== undefined);
}

/** The files' configuration, every problem and every warning; YAML errors are errors too. */
async function checkFiles(a: CheckArgs): Promise<{ label: string; result: AgentConfigCheck }> {
  const label = [...(a.metallbObjects ?? []), ...(a.config ? [a.config] : [])].join(', ');
  try {
    if (a.metallbObjects?.length) {
      const settings = a.config ? parseAgentSettings(await text(a.config), a.config) : parseAgentSettings('');
      const docs = (await Promise.all(a.metallbObjects.map(async (f) => documents(await text(f), f)))).flat();
      return { label, result: checkAgentConfig(docs, settings) };
    }
    return { label, result: checkAgentConfig(documents(await text(a.config!), a.config!)) };
  } catch (e) {
    if (e instanceof ConfigError) return { label, result: { errors: e.issues.map((i) => ({ path: `${e.source}${i.path ? ` ${i.path}` : ''}`, message: i.message })), warnings: [] } };
    throw e;
  }
}

const line = (kind: string, i: ConfigIssue): string => `  ${kind} ${i.path || '(top)'}: ${i.message}\n`;

function summary(c: AgentConfig): string {
  const n = (k: number, one: string) => `${k} ${one}${k === 1 ? '' : 's'}`;
  return `${c.format}: ${n(c.pools.length, 'pool')}, ${n(c.peers.length, 'peer')}, ${n(c.advertisements.length, 'advertisement')}`;
}

export interface NodeAnnouncements {
  /** Peer → "prefix [localPref N, communities ..., large ..., bandwidth N Mbit/s] (services)". */
  readonly routes: Record<string, string[]>;
  /** Service → why this node announces it to nobody. */
  readonly notAnnounced: Record<string, string>;
}

export interface Announcements {
  /** Service → why it has no address. */
  readonly unassigned: Record<string, string>;
  readonly nodes: Record<string, NodeAnnouncements>;
}

/** What each node announces, from a cluster (the file source's objects), with addresses assigned as the IPAM leader would. */
export function announcements(c: AgentConfig, snapshot: Snapshot, nodes: readonly string[]): Announcements {
  const ipam = new Allocator(c.pools, c.loadBalancerClass).reconcile(snapshot.services, snapshot.namespaces);
  const result: Record<string, NodeAnnouncements> = {};
  for (const node of nodes) {
    const p = plan({ snapshot, config: c, node, ipsOf: (s) => ipam.assignments.get(serviceKey(s))?.ips ?? [] });
    const routes: Record<string, string[]> = {};
    for (const [peer, list] of p.state) {
      routes[peer] = list.map((a) => {
        const attrs = [
          ...(a.localPref !== undefined ? [`localPref ${a.localPref}`] : []),
          ...(a.communities.length ? [`communities ${a.communities.map(formatCommunity).join(' ')}`] : []),
          ...(a.largeCommunities.length ? [`large ${a.largeCommunities.map(formatLargeCommunity).join(' ')}`] : []),
          ...(a.bandwidthMbps !== undefined ? [`bandwidth ${a.bandwidthMbps} Mbit/s`] : []),
        ];
        return `${formatPrefix(a.prefix)}${attrs.length ? ` ${attrs.join(', ')}` : ''} (${a.services.join(', ')})`;
      });
    }
    result[node] = { routes, notAnnounced: Object.fromEntries([...p.services].flatMap(([svc, s]) => (s.reason ? [[svc, s.reason]] : []))) };
  }
  return { unassigned: Object.fromEntries(ipam.failures), nodes: result };
}

export function announcementsText(a: Announcements): string {
  let out = '';
  for (const [svc, reason] of Object.entries(a.unassigned)) out += `${svc}: no address: ${reason}\n`;
  for (const [node, n] of Object.entries(a.nodes)) {
    out += `node ${node}:\n`;
    for (const [peer, list] of Object.entries(n.routes)) for (const r of list) out += `  to ${peer}: ${r}\n`;
    for (const [svc, reason] of Object.entries(n.notAnnounced)) out += `  ${svc} not announced: ${reason}\n`;
  }
  return out;
}

/** Returns the exit code: 0 valid, 3 invalid, 1 a file that cannot be read. */
export async function runCheck(a: CheckArgs, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  let checked;
  try {
    checked = await checkFiles(a);
  } catch (e) {
    if (e instanceof Unreadable) { err(`vipgate agent: ${e.message}\n`); return 1; }
    throw e;
  }
  const { label, result } = checked;
  const counts = `${result.errors.length} error${result.errors.length === 1 ? '' : 's'}, ${result.warnings.length} warning${result.warnings.length === 1 ? '' : 's'}`;
  const report = [...result.errors.map((i) => line('error', i)), ...result.warnings.map((i) => line('warning', i))].join('');
  if (!result.config) { err(`${label}: configuration is not valid (${counts})\n${report}`); return 3; }
  out(`${label}: configuration is valid (${summary(result.config)}; ${counts})\n${report}${agentCheckReport(result.config)}`);
  if (a.source?.startsWith('file:')) {
    let snapshot: Snapshot;
    try { snapshot = parseManifests(await text(a.source.slice(5))); } catch (e) { err(`vipgate agent: ${(e as Error).message}\n`); return 1; }
    out(announcementsText(announcements(result.config, snapshot, a.node ? [a.node] : snapshot.nodes.map((n) => n.name))));
  }
  return 0;
}
