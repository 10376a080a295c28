/**
 * The Cluster page as HTML: one section per node agent heard over MQTT (online or offline, when last
 * heard, its BGP sessions as it sees them, its Services with their addresses, traffic policy, local
 * endpoints and the routers it announces them to), each address checked against this router's kernel
 * next hops (cluster.ts), and this router's sessions no agent reports for. Every value from MQTT is
 * untrusted text: it goes through esc(), element ids are built from indexes, never from names.
 */
import { esc, timeTag } from './html.js';
import type { AddressCheck, Agreement, ClusterModel, ClusterNode, ClusterService } from '../control/cluster.js';
import { MAX_ROWS, nameTag, stateBadge, table } from './pages.js';

/** Badge class and words for each agreement (cluster.ts Agreement). */
const AGREEMENT: Record<Agreement, { readonly cls: string; readonly text: string }> = {
  ok: { cls: 'badge up', text: 'router agrees' },
  'not-installed': { cls: 'badge wait', text: 'router has the path, not installed' },
  'no-path': { cls: 'badge down', text: 'router has no path from it' },
  stale: { cls: 'badge down', text: 'router still routes via it' },
  'not-announced': { cls: 'muted', text: 'not announced' },
  unmatched: { cls: 'muted', text: 'no router session to compare' },
  invalid: { cls: 'badge down', text: 'not an IP address' },
};

/** A BFD session state (RFC 5880 4.1) as a badge: Up, Init on its way, Down and AdminDown down. */
function bfdBadge(state: string): string {
  return `<span class="badge ${state === 'Up' ? 'up' : state === 'Init' ? 'wait' : 'down'}">${esc(state)}</span>`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function addressItem(a: AddressCheck): string {
  const g = AGREEMENT[a.agreement];
  const via = a.nexthops.length ? ` <span class="muted">router next hops: ${esc(a.nexthops.join(', '))}</span>` : '';
  return `<li data-agreement="${a.agreement}"><span class="addr">${esc(a.ip)}</span> <span class="${g.cls}">${g.text}</span>${via}</li>`;
}

function serviceRow(s: ClusterService): string[] {
  return [
    nameTag(s.service),
    s.addresses.length ? `<ul class="nexthops">${s.addresses.map(addressItem).join('')}</ul>` : '<span class="muted">none</span>',
    esc(s.trafficPolicy), String(s.localEndpoints),
    s.announcedTo.length ? esc(s.announcedTo.join(', ')) : '<span class="muted">nobody</span>',
  ];
}

function agentLine(n: ClusterNode): string {
  const a = n.agent;
  const facts = a ? [a.synced ? 'synced' : 'not synced yet', a.leader ? 'IPAM leader' : '', `on stop: ${esc(a.stopMode)}`, `IPAM assignments: ${a.assignments}`].filter(Boolean).join(', ')
    : 'no summary heard';
  const session = n.session
    ? `this router's session with it: ${stateBadge(n.session.state)}${n.session.bfd ? ` BFD ${bfdBadge(n.session.bfd)}` : ''} <span class="muted">${esc(n.session.address)}</span>`
    : '<span class="muted">no session of this router is matched to it (by BGP hostname or neighbor description)</span>';
  return `<p>Agent: ${facts}; ${session}. <span class="muted">Last heard ${timeTag(n.lastHeard)}</span></p>`;
}

/** One node; at most `rows` of its Services are listed. */
function nodeSection(n: ClusterNode, i: number, rows: number): string {
  const id = `h-node-${i}`;
  const status = n.status === 'online' ? '<span class="badge up">agent online</span>'
    : n.status === 'offline' ? '<span class="badge down">agent offline</span>' : '<span class="badge wait">status unknown</span>';
  const peers = (n.agent?.peers ?? []).map((p) => [
    `${nameTag(p.name)}${p.thisRouter ? ' <span class="muted">(this router)</span>' : ''}`, esc(p.address), stateBadge(p.state),
    p.announced === undefined ? '?' : String(p.announced),
    p.bfd === undefined ? '<span class="muted">none</span>' : `${bfdBadge(p.bfd)}${p.bfd !== 'Up' && p.bfdDiagnostic && p.bfdDiagnostic !== 'None' ? ` <span class="muted">${esc(p.bfdDiagnostic)}</span>` : ''}`,
    p.lastError === undefined ? '' : `<span class="muted">${esc(p.lastError)}</span>`,
  ]);
  const failures = n.agent?.failures.length
    ? `<ul class="events">${n.agent.failures.map((f) => `<li class="warn">${esc(f.service)}: ${esc(f.reason)}</li>`).join('')}</ul>` : '';
  const shown = n.services.slice(0, rows);
  return `<section class="node" aria-labelledby="${id}"><h2 id="${id}"><span class="node-name name" title="${esc(n.node)}">${esc(n.node)}</span> ${status}${
    n.disagreements ? ` <span class="badge down">${plural(n.disagreements, 'disagreement')}</span>` : ''}</h2>
${agentLine(n)}${failures}
${table(`BGP sessions as ${n.node} sees them`, ['Router', 'Address', 'State', 'Announced', 'BFD', 'Last error'], peers, 'No BGP session reported.')}
${shown.length || !n.services.length ? table(`Services on ${n.node}`, ['Service', 'Addresses (this router\'s view)', 'Traffic policy', 'Local endpoints', 'Announced to'], shown.map(serviceRow), 'No Service reported.') : ''}
${n.services.length > shown.length ? `<p class="muted">${shown.length ? `The first ${shown.length} of ${n.services.length} Services are listed` : `${n.services.length} Services, not listed: the page lists ${MAX_ROWS} in all`} (all of them in /api/cluster).</p>` : ''}</section>`;
}

/** The node sections, listing at most MAX_ROWS Services in all (a page that stays light for the box). */
function nodeSections(nodes: readonly ClusterNode[]): string {
  let rows = MAX_ROWS;
  return nodes.map((n, i) => {
    const html = nodeSection(n, i, rows);
    rows = Math.max(0, rows - n.services.length);
    return html;
  }).join('\n');
}

export function clusterBody(c: ClusterModel): string {
  const online = c.nodes.filter((n) => n.status === 'online').length;
  const ig = c.ignored;
  const ignored = ig.malformed + ig.oversized + ig.overLimit > 0
    ? `<p class="muted" id="ignored">Ignored from the broker: ${ig.malformed} malformed, ${ig.oversized} oversized, ${ig.overLimit} past the limits of nodes and Services held.</p>` : '';
  const sessions = c.unmatchedSessions.map((s) => [esc(s.name), esc(s.address), stateBadge(s.state)]);
  return `<p class="lead"><strong id="agents-online">${online} of ${c.nodes.length}</strong> node agents online; <strong id="disagreements">${c.disagreements}</strong> ${
    c.disagreements === 1 ? 'disagreement' : 'disagreements'} with this router's routes.</p>
${c.connected ? '' : '<p class="warn" role="alert">Not connected to the MQTT broker: this is the last state heard.</p>'}${ignored}
${c.nodes.length ? nodeSections(c.nodes) : '<p class="muted">No node agent has reported over MQTT.</p>'}
${sessions.length ? `<section aria-labelledby="h-unmatched"><h2 id="h-unmatched">Sessions without an agent report</h2>
${table('BGP sessions of this router no node agent is matched to', ['Peer', 'Address', 'State'], sessions, '')}</section>` : ''}`;
}
