/**
 * Agent configuration: YAML text → validated AgentConfig in one pure function (parseAgentConfig). The
 * format is recognised from the content: documents with apiVersion metallb.io/* are MetalLB CRDs; a
 * ConfigMap, or a document with `address-pools` / `peer-address`, is MetalLB's legacy config; anything
 * else is vipgate's own format. Every problem is reported at once, each with its field path and reason
 * (ConfigError, as for the router); cross-field checks: unique pool names, no overlapping pools, no
 * duplicate peers, advertisements naming pools and peers that exist, aggregation lengths no shorter
 * than the pools' CIDRs (MetalLB's rule, so an aggregate never covers addresses outside the pool).
 * MetalLB's objects listed from the API server go through the same parser (configFromMetallbObjects),
 * with vipgate's own settings from a separate settings document (parseAgentSettings).
 */
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { ConfigError, type ConfigIssue } from '../../config/error.js';
import { yamlDocumentValues, zodIssues } from '../../config/router-config.js';
import type { KubeObject } from '../source/manifests.js';
import { fromMetallbConfigMap, isLegacyConfig, metallbConfigMapSchema } from './metallb-configmap.js';
import { fromMetallbCrds, isMetallbObject } from './metallb-crds.js';
import type { AgentConfig } from './model.js';
import { fromVipgateFormat, inertAgentSettings, settingsOf, vipgateAgentSchema, vipgateSettingsSchema, type AgentSettings } from './vipgate-format.js';

/** Cross-field problems of a converted config. */
export function semanticIssues(c: AgentConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const pools = new Map<string, AgentConfig['pools'][number]>();
  for (const p of c.pools) {
    if (pools.has(p.name)) issues.push({ path: `${p.origin}.name`, message: `pool "${p.name}" is defined twice` });
    pools.set(p.name, p);
  }
  const ranges = c.pools.flatMap((p) => p.ranges.map((r) => ({ p, r })));
  for (let i = 0; i < ranges.length; i++) {
    for (let j = i + 1; j < ranges.length; j++) {
      const a = ranges[i]!;
      const b = ranges[j]!;
      if (a.r.family === b.r.family && a.r.first <= b.r.last && b.r.first <= a.r.last) {
        issues.push({ path: `${b.p.origin}.addresses`, message: `${b.r.text} overlaps ${a.r.text} of pool "${a.p.name}": one address, one pool` });
      }
    }
  }
  const peers = new Set<string>();
  const peerNames = new Set(c.peers.map((p) => p.name));
  for (const p of c.peers) {
    if (peers.has(p.address)) issues.push({ path: `${p.origin}.address`, message: `peer ${p.address} is configured twice` });
    peers.add(p.address);
  }
  if (c.peers.length === 0) issues.push({ path: 'peers', message: 'no BGP peer: the agent would announce to nobody' });
  for (const a of c.advertisements) {
    a.pools?.forEach((name, i) => {
      const pool = pools.get(name);
      if (!pool) { issues.push({ path: `${a.origin}.pools[${i}]`, message: `no pool named "${name}"` }); return; }
      for (const r of pool.ranges) {
        const agg = r.family === 4 ? a.aggregationLength : a.aggregationLengthV6;
        if (r.cidrLength !== undefined && agg < r.cidrLength) {
          issues.push({ path: `${a.origin}.aggregationLength${r.family === 6 ? 'V6' : ''}`, message: `${agg} is shorter than ${r.text} of pool "${name}": the aggregate would cover addresses outside the pool` });
        }
      }
    });
    a.peers.forEach((name, i) => { if (!peerNames.has(name)) issues.push({ path: `${a.origin}.peers[${i}]`, message: `no peer named "${name}"` }); });
  }
  return issues;
}

/** Objects (YAML documents or API objects) → AgentConfig; throws ConfigError with every problem. */
export function agentConfigFromObjects(docs: readonly unknown[], source = 'agent configuration'): AgentConfig {
  const issues: ConfigIssue[] = [];
  const issue = (path: string, message: string): void => { issues.push({ path, message }); };
  // `kubectl get ipaddresspools,bgppeers,bgpadvertisements -o yaml` gives one List object
  const objects = docs.filter((d): d is KubeObject => d !== null && typeof d === 'object')
    .flatMap((o) => (o.kind === 'List' && Array.isArray(o['items']) ? o['items'] as KubeObject[] : [o]));
  let cfg: AgentConfig | undefined;
  if (objects.length > 0 && objects.every(isMetallbObject)) {
    cfg = fromMetallbCrds(objects, issue);
  } else {
    if (objects.length !== 1) throw new ConfigError([{ path: '', message: `expected one config document or MetalLB objects, found ${objects.length} documents` }], source);
    const doc = objects[0]!;
    const configMap = doc.kind === 'ConfigMap' ? (doc['data'] as Record<string, unknown> | undefined)?.['config'] : undefined;
    if (doc.kind === 'ConfigMap' && typeof configMap !== 'string') throw new ConfigError([{ path: 'data.config', message: 'a MetalLB ConfigMap holds its config as text under data.config' }], source);
    const legacyText = typeof configMap === 'string' ? configMap : undefined;
    const legacy = legacyText === undefined ? doc : (parseYaml(legacyText, `${source} data.config`)[0] ?? {});
    if (legacyText !== undefined || isLegacyConfig(doc)) {
      const r = metallbConfigMapSchema.safeParse(legacy);
      if (!r.success) throw new ConfigError(zodIssues(r.error.issues), source);
      cfg = fromMetallbConfigMap(r.data, issue);
    } else {
      const r = vipgateAgentSchema.safeParse(doc);
      if (!r.success) throw new ConfigError(zodIssues(r.error.issues), source);
      cfg = { ...fromVipgateFormat(r.data), warnings: inertAgentSettings(doc) };
    }
  }
  // cross-field checks only on a config whose parts all parsed (a dropped part would cause false reports)
  if (issues.length === 0) issues.push(...semanticIssues(cfg));
  if (issues.length > 0) throw new ConfigError(issues, source);
  return cfg;
}

function parseYaml(text: string, source: string): unknown[] {
  const docs = parseAllDocuments(text, { prettyErrors: true, uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [docs];
  return yamlDocumentValues(list, source).filter((d) => d !== null && d !== undefined);
}

export function parseAgentConfig(text: string, source = 'agent configuration'): AgentConfig {
  return agentConfigFromObjects(parseYaml(text, source), source);
}

export async function loadAgentConfig(file: string): Promise<AgentConfig> {
  return parseAgentConfig(await readFile(file, 'utf8'), file);
}

/**
 * The `--config` file beside MetalLB's objects (`--metallb-namespace`): vipgate's settings only
 * (gracefulShutdown, gracefulRestart, shutdown, externalIPs, linkBandwidth, leaderElection,
 * loadBalancerClass, ipvs, telemetry); an empty file or none gives the defaults.
 */
export function parseAgentSettings(text: string, source = 'agent settings'): AgentSettings {
  const docs = parseYaml(text, source);
  if (docs.length > 1) throw new ConfigError([{ path: '', message: `expected one settings document, found ${docs.length}` }], source);
  const r = vipgateSettingsSchema.safeParse(docs[0] ?? {});
  if (!r.success) throw new ConfigError(zodIssues(r.error.issues), source);
  return { ...settingsOf(r.data), warnings: inertAgentSettings(docs[0]) };
}

/** MetalLB's objects as the API server lists them, with vipgate's settings → AgentConfig; throws ConfigError. */
export function configFromMetallbObjects(objects: readonly KubeObject[], settings: AgentSettings, source: string): AgentConfig {
  if (objects.length === 0) throw new ConfigError([{ path: '', message: 'no metallb.io objects (IPAddressPool, BGPPeer, BGPAdvertisement)' }], source);
  const cfg = agentConfigFromObjects(objects, source);
  return { ...cfg, ...settings, warnings: [...cfg.warnings, ...settings.warnings] };
}
