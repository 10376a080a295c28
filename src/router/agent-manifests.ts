/**
 * `vipgate show agent-manifests` and the status page's /k3s/agent.yaml: the manifests that install the
 * node agent on k3s, rendered by the router for its own nodes from deploy/ as shipped beside the app
 * (image/app.sh copies deploy/*.yaml): rbac.yaml (namespace, service account, RBAC) and rbac-state.yaml (what
 * the agent writes into Kubernetes: Events, annotations, MetalLB's state objects) as they are; config.yaml's
 * ConfigMap with asn, peers and pools in its agent.yaml set from this router's configuration
 * (agent-settings.ts), its other settings and comments kept; daemonset.yaml naming the agent image of the
 * version the box serves (what `npm run agent-image` tags; src/lib/agent-images.ts). A header says where it
 * came from, the two commands that install it, and what has to be added by hand.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isMap, isScalar, isSeq, parseAllDocuments, parseDocument, type Document, type YAMLMap } from 'yaml';
import type { AgentManifestsView } from '../control/views.js';
import type { RouterConfig } from '../config/resolve.js';
import { agentSettings, type AgentSettings, type LocalAddress } from './agent-settings.js';
import { statusPageUrl } from './page-url.js';

/** The image `npm run agent-image` tags (image/agent/build.sh), :VERSION. */
export const AGENT_IMAGE = 'docker.io/library/vipgate-agent';
const DEPLOY_DIR = fileURLToPath(new URL('../../deploy/', import.meta.url));

export interface ManifestTemplates { readonly rbac: string; readonly rbacState: string; readonly config: string; readonly daemonset: string }

/** deploy/rbac.yaml, rbac-state.yaml, config.yaml and daemonset.yaml beside the app. */
export function loadTemplates(dir = DEPLOY_DIR): ManifestTemplates {
  const read = (f: string) => readFileSync(`${dir}/${f}`, 'utf8');
  return { rbac: read('rbac.yaml'), rbacState: read('rbac-state.yaml'), config: read('config.yaml'), daemonset: read('daemonset.yaml') };
}

export interface RenderOptions {
  /** This machine's addresses with prefix lengths (os.networkInterfaces()' cidr). */
  readonly local: readonly LocalAddress[];
  /** The running vipgate's version. */
  readonly version: string;
  /** The agent image's tag: the version of the images the box serves (default `version`). */
  readonly imageVersion?: string;
  readonly templates: ManifestTemplates;
  /** Only the nodes of this dynamic neighbor. */
  readonly range?: string;
  /** How the nodes reach the status page ("http://192.168.10.254"); default from `web` and the peer address. */
  readonly boxUrl?: string;
}

const STRINGIFY = { lineWidth: 0, flowCollectionPadding: false } as const;

function one(text: string, kind: string, file: string): Document.Parsed {
  const doc = parseAllDocuments(text).find((d) => (d.toJS() as { kind?: string } | null)?.kind === kind);
  if (!doc) throw new Error(`deploy/${file} has no ${kind}`);
  return doc;
}

/** The ConfigMap's agent.yaml: the template's settings, with this router's asn, peers and pools. */
function agentConfigText(template: string, s: AgentSettings, header: string): string {
  const doc = parseDocument(template);
  const poolTemplate = (doc.toJS() as { pools?: Record<string, unknown>[] }).pools?.[0] ?? {};
  const { name: _n, addresses: _a, ...poolOptions } = poolTemplate;
  const asn = doc.createNode(s.asn);
  asn.comment = ' the nodes\' AS (the router\'s remoteAs for them)';
  doc.set('asn', asn);
  const peers = doc.createNode(s.peers.map((p) => ({ ...p })));
  peers.commentBefore = ` this router, at its address in ${s.ranges.join(', ')}`;
  for (const peer of peers.items) {
    const bfd = peer.get('bfd', true);
    if (isMap(bfd)) bfd.flow = true;
    const multihop = peer.get('ebgpMultihop', true);
    if (isScalar(multihop)) multihop.comment = ' the router checks the TTL (ttlSecurity, RFC 5082) or allows more hops: send with TTL 255';
  }
  doc.set('peers', peers);
  const pools = doc.createNode(s.pools.length > 0 ? [{ name: 'default', addresses: [...s.pools], ...poolOptions }] : []);
  pools.commentBefore = s.pools.length > 0 ? ' what the router\'s import policy accepts from the nodes' : ' none could be read from the router\'s import policy: add the Service IP pool';
  doc.set('pools', pools);
  doc.commentBefore = header;
  return doc.toString(STRINGIFY);
}

function setImages(doc: Document.Parsed, image: string): void {
  for (const key of ['initContainers', 'containers']) {
    const list = doc.getIn(['spec', 'template', 'spec', key]);
    if (!isSeq(list)) continue;
    for (const c of list.items) if (isMap(c)) (c as YAMLMap).set('image', image);
  }
}

/** Where the nodes find the page (page-url.ts, an unspecified address by the router's address on their segment), without the final /. */
function defaultBoxUrl(cfg: RouterConfig, s: AgentSettings): string | undefined {
  const host = s.peers[0]!.address;
  return cfg.web ? statusPageUrl(cfg.web, host.includes(':') ? `[${host}]` : host)?.replace(/\/+$/, '') : undefined;
}

/** The node-side and cluster-side install, as commands. */
export function installCommands(boxUrl: string | undefined): string[] {
  if (!boxUrl) {
    return [
      'sudo k3s ctr images import vipgate-agent-VERSION-$(dpkg --print-architecture).tar   # on every node; npm run agent-image builds it (the router serves it when web is on)',
      'kubectl apply -f agent.yaml   # this file',
    ];
  }
  return [
    `curl -fsS ${boxUrl}/k3s/vipgate-agent-$(uname -m).tar | sudo k3s ctr images import -   # on every node (arm64 or amd64)`,
    `kubectl apply -f ${boxUrl}/k3s/agent.yaml`,
  ];
}

export function renderAgentManifests(cfg: RouterConfig, o: RenderOptions): AgentManifestsView {
  const s = agentSettings(cfg, o.local, o.range);
  const imageVersion = o.imageVersion ?? o.version;
  const image = `${AGENT_IMAGE}:${imageVersion}`;
  const warnings = imageVersion === o.version ? s.warnings
    : [...s.warnings, `this box serves agent images of version ${imageVersion}, not this router's ${o.version}: the DaemonSet names ${imageVersion}`];
  const boxUrl = o.boxUrl ?? defaultBoxUrl(cfg, s);
  const install = installCommands(boxUrl);
  const origin = `vipgate ${o.version} router ${cfg.routerId} (AS ${cfg.asn})`;
  const header = [
    ` The vipgate agent for the k3s nodes of ${origin}, rendered from its configuration:`,
    ` nodes in ${s.ranges.join(', ')} (AS ${s.asn}) peer with ${s.peers.map((p) => p.address).join(', ')}; image ${image}.`,
    ' Install:',
    ...install.map((c) => `   ${c}`),
    ...(warnings.length > 0 ? [' Notes:', ...warnings.map((w) => `   - ${w}`)] : []),
  ].join('\n');

  const configMap = one(o.templates.config, 'ConfigMap', 'config.yaml');
  const agentConfig = agentConfigText(String(configMap.getIn(['data', 'agent.yaml']) ?? ''), s, ` rendered by ${origin}`);
  configMap.setIn(['data', 'agent.yaml'], agentConfig);
  configMap.commentBefore = ' The agent\'s configuration, rendered for this router\'s nodes (kubectl -n vipgate-system edit configmap vipgate-agent\n changes it; the agents apply a change without a restart).';
  const daemonset = one(o.templates.daemonset, 'DaemonSet', 'daemonset.yaml');
  setImages(daemonset, image);
  const rbac = [o.templates.rbac, o.templates.rbacState].flatMap((t) => parseAllDocuments(t).filter((d) => d.contents !== null));
  const docs = [...rbac, configMap, daemonset].map((d) => d.toString(STRINGIFY).replace(/^---\n/, ''));
  const yaml = `${header.split('\n').map((l) => `#${l}`).join('\n')}\n---\n${docs.join('---\n')}`;
  return { yaml, agentConfig, image, warnings, ranges: s.ranges, install };
}
