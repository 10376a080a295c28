/**
 * Agent configuration: YAML text → validated AgentConfig in one pure function (parseAgentConfig). The
 * format is recognised from the content: documents with apiVersion metallb.io/* are MetalLB CRDs; a
 * ConfigMap, or a document with `address-pools` / `peer-address`, is MetalLB's legacy config; anything
 * else is vipgate's own format. Every problem is reported at once, each with its field path and reason
 * (ConfigError, as for the router), and the warnings too (checkAgentConfig, for `vipgate agent --check`);
 * cross-field checks in semantic.ts. MetalLB's objects listed from the API server go through the same
 * parser (configFromMetallbObjects), with vipgate's own settings from a separate settings document
 * (parseAgentSettings).
 */
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { ConfigError, type ConfigIssue } from '../../config/error.js';
import { yamlDocumentValues, zodIssues } from '../../config/router-config.js';
import type { KubeObject } from '../source/manifests.js';
import type { Findings } from './lenient.js';
import { fromMetallbConfigMap, isLegacyConfig, metallbConfigMapSchema } from './metallb-configmap.js';
import { fromMetallbCrds, isMetallbObject, isSecret } from './metallb-crds.js';
import type { AgentConfig } from './model.js';
import { semanticIssues } from './semantic.js';
import { fromVipgateFormat, inertAgentSettings, settingsOf, vipgateAgentSchema, vipgateSettingsSchema, withSettings, type AgentSettings } from './vipgate-format.js';

/** What a configuration check found: the configuration when it has no errors, and every error and warning. */
export interface AgentConfigCheck {
  readonly config?: AgentConfig;
  readonly errors: readonly ConfigIssue[];
  readonly warnings: readonly ConfigIssue[];
}

const issueText = (i: ConfigIssue): string => `${i.path || '(top)'}: ${i.message}`;

/** `kubectl get ... -o yaml` gives one List object: its items are the objects. */
function flatten(docs: readonly unknown[]): KubeObject[] {
  return docs.filter((d): d is KubeObject => d !== null && typeof d === 'object')
    .flatMap((o) => (o.kind === 'List' && Array.isArray(o['items']) ? o['items'] as KubeObject[] : [o]));
}

/**
 * Objects (YAML documents or API objects) → the configuration, every error and every warning; never throws
 * for a problem of the configuration. `settings`: vipgate's own settings beside MetalLB's objects.
 */
export function checkAgentConfig(docs: readonly unknown[], settings?: AgentSettings): AgentConfigCheck {
  const errors: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  const f: Findings = { issue: (path, message) => { errors.push({ path, message }); }, warn: (path, message) => { warnings.push({ path, message }); } };
  const objects = flatten(docs);
  // the settings file's own warnings ("path: what")
  for (const w of settings?.warnings ?? []) { const at = w.indexOf(': '); warnings.push({ path: w.slice(0, at), message: w.slice(at + 2) }); }
  let cfg: AgentConfig | undefined;
  if (objects.some(isMetallbObject)) {
    const part = fromMetallbCrds(objects, f);
    cfg = withSettings(part, 'metallb-crds', [], settings);
  } else if (settings !== undefined && objects.every(isSecret)) {
    errors.push({ path: '', message: 'no metallb.io objects (IPAddressPool, BGPPeer, BGPAdvertisement)' });
  } else if (objects.some((o) => typeof o.kind === 'string' && o.kind !== 'ConfigMap')) {
    const kinds = [...new Set(objects.map((o) => o.kind ?? 'a document without kind'))].join(', ');
    errors.push({ path: '', message: `no agent configuration here (${kinds}): vipgate's agent YAML, MetalLB's ConfigMap or metallb.io objects are; Services, EndpointSlices and Nodes go to --source file:PATH` });
  } else if (objects.length !== 1) {
    errors.push({ path: '', message: `expected one config document or MetalLB objects, found ${objects.length} documents` });
  } else {
    const doc = objects[0]!;
    const configMap = doc.kind === 'ConfigMap' ? (doc['data'] as Record<string, unknown> | undefined)?.['config'] : undefined;
    if (doc.kind === 'ConfigMap' && typeof configMap !== 'string') return { errors: [{ path: 'data.config', message: 'a MetalLB ConfigMap holds its config as text under data.config' }], warnings };
    const legacyText = typeof configMap === 'string' ? configMap : undefined;
    const legacy = legacyText === undefined ? doc : (parseYaml(legacyText, 'data.config')[0] ?? {});
    if (legacyText !== undefined || isLegacyConfig(doc)) {
      const r = metallbConfigMapSchema.safeParse(legacy);
      if (r.success) cfg = withSettings(fromMetallbConfigMap(r.data, f), 'metallb-configmap', [], settings);
      else errors.push(...zodIssues(r.error.issues, legacy));
    } else {
      const r = vipgateAgentSchema.safeParse(doc);
      if (r.success) {
        cfg = fromVipgateFormat(r.data);
        // settings written that do nothing because their feature is off
        warnings.push(...inertAgentSettings(doc));
      } else errors.push(...zodIssues(r.error.issues, doc));
    }
  }
  // cross-field checks only on a config whose parts all parsed (a dropped part would cause false reports)
  if (cfg && errors.length === 0) semanticIssues(cfg, f);
  if (errors.length > 0 || !cfg) return { errors, warnings };
  return { config: { ...cfg, warnings: warnings.map(issueText) }, errors, warnings };
}

/** Objects (YAML documents or API objects) → AgentConfig; throws ConfigError with every problem. */
export function agentConfigFromObjects(docs: readonly unknown[], source = 'agent configuration', settings?: AgentSettings): AgentConfig {
  const r = checkAgentConfig(docs, settings);
  if (!r.config) throw new ConfigError(r.errors, source);
  return r.config;
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
  if (!r.success) throw new ConfigError(zodIssues(r.error.issues, docs[0] ?? {}), source);
  return { ...settingsOf(r.data), warnings: inertAgentSettings(docs[0]).map(issueText) };
}

/** MetalLB's objects as the API server lists them (and the Secrets they name), with vipgate's settings → AgentConfig; throws ConfigError. */
export function configFromMetallbObjects(objects: readonly KubeObject[], settings: AgentSettings, source: string): AgentConfig {
  return agentConfigFromObjects(objects, source, settings);
}
