/**
 * deploy/metallb-crds.yaml against the agent's own reading of MetalLB's objects: every spec field the
 * agent reads is in the CRD's schema (so the API server keeps it rather than pruning it), and every field
 * the CRD keeps is one the agent reads (none ignored without a word); the versions served and stored are
 * the ones the agent lists (src/agent/source/metallb.ts) and writes (ServiceBGPStatus, ConfigurationState,
 * with the status fields state-api.ts writes); each CRD has a status subresource, as the agent writes the
 * state objects' status through it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { SPECS } from '../../../src/agent/config/metallb-crds.js';
import { PEER_SPECS } from '../../../src/agent/config/metallb-peer.js';
import { METALLB_RESOURCES } from '../../../src/agent/source/metallb.js';
import { REPO } from '../../helpers/vipgate.js';

interface Version { name: string; served: boolean; storage: boolean; subresources?: { status?: object }; schema: { openAPIV3Schema: { properties: Record<string, { properties?: Record<string, unknown> }> } } }
interface Crd { metadata: { name: string }; spec: { group: string; names: { kind: string; plural: string }; versions: Version[] } }

const crds = parseAllDocuments(readFileSync(join(REPO, 'deploy/metallb-crds.yaml'), 'utf8')).map((d) => d.toJS() as Crd).filter(Boolean);
const byKind = new Map(crds.map((c) => [c.spec.names.kind, c]));
const fields = (kind: string, version: string, part: 'spec' | 'status'): string[] =>
  Object.keys(byKind.get(kind)!.spec.versions.find((v) => v.name === version)!.schema.openAPIV3Schema.properties[part]?.properties ?? {}).sort();
const keys = (schema: { shape: Record<string, unknown> }): string[] => Object.keys(schema.shape).sort();

describe('deploy/metallb-crds.yaml', () => {
  it('the kinds the agent reads, at the versions it lists them, stored as MetalLB stores them', () => {
    for (const r of METALLB_RESOURCES) {
      const crd = byKind.get(r.kind)!;
      expect(crd.metadata.name).toBe(`${r.plural}.metallb.io`);
      expect(crd.spec.versions.find((v) => v.storage)?.name, r.kind).toBe(r.version);
    }
    expect(byKind.get('BGPPeer')!.spec.versions.map((v) => [v.name, v.served, v.storage])).toEqual([['v1beta1', true, false], ['v1beta2', true, true]]);
    for (const c of crds) expect(c.spec.versions.every((v) => v.subresources?.status !== undefined), c.spec.names.kind).toBe(true);
  });

  it('every spec field the agent reads is kept by the API server, and every one it keeps the agent reads', () => {
    for (const [kind, schema] of Object.entries(SPECS)) expect(fields(kind, 'v1beta1', 'spec'), kind).toEqual(keys(schema));
    expect(fields('BGPPeer', 'v1beta1', 'spec')).toEqual(keys(PEER_SPECS.v1beta1));
    expect(fields('BGPPeer', 'v1beta2', 'spec')).toEqual(keys(PEER_SPECS.v1beta2));
  });

  it('the state objects have the status fields the agent writes, as MetalLB\'s', () => {
    expect(fields('ServiceBGPStatus', 'v1beta1', 'status')).toEqual(['node', 'peers', 'serviceName', 'serviceNamespace']);
    expect(fields('ConfigurationState', 'v1beta1', 'status')).toEqual(['conditions', 'errorSummary', 'result']);
  });
});
