/**
 * The status pages as HTML: the layout (semantic landmarks, a skip link, one <main>), the overview
 * (peers, Service IPs, ECMP groups, recent events, charts) and one page per Service IP (the Cluster page
 * is cluster-page.ts). The part inside <div id="live"> is what live updates replace.
 */
import type { HistoryView, PeerSummary, RouteChangeView, RouterEvent } from '../control/views.js';
import { duration, esc, millis, timeTag } from './html.js';
import type { Overview, ServiceView } from './model.js';
import { barChart, lineChart } from './svg.js';

export interface LayoutOptions {
  readonly title: string;
  readonly heading: string;
  /** SSE URL the page listens to for its live region; undefined: no live updates. */
  readonly events?: string;
  readonly admin: boolean;
  /** Why the boot partition's vipgate.yaml was not applied (config-error.ts); shown above the page. */
  readonly configError?: string;
  /** Link the Cluster page (the router reads the node agents' telemetry). */
  readonly cluster?: boolean;
  /** Link the k3s page (installing the node agent from the box). */
  readonly k3s?: boolean;
}

export function layout(o: LayoutOptions, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(o.title)}</title><link rel="stylesheet" href="/assets/app.css"><script src="/assets/app.js" defer></script></head>
<body><a class="skip" href="#content">Skip to content</a>
<header><nav aria-label="Main"><a href="/" class="brand">vipgate</a><a href="/">Overview</a>${o.cluster ? '<a href="/cluster">Cluster</a>' : ''}${o.k3s ? '<a href="/k3s/">k3s</a>' : ''}${o.admin ? '<a href="/admin">Admin</a>' : ''}<a href="/metrics">Metrics</a></nav>
<p id="conn" class="conn" role="status" aria-live="polite">${o.events ? 'connecting…' : ''}</p></header>
<main id="content"><h1>${esc(o.heading)}</h1>
${o.configError ? `<section class="alert" role="alert" aria-labelledby="h-config-error"><h2 id="h-config-error">Configuration not applied</h2><pre>${esc(o.configError)}</pre></section>` : ''}
${o.events ? `<div id="live" data-events="${esc(o.events)}">${body}</div>` : body}
</main></body></html>`;
}

/** Rows listed at most per table (a full table of 100,000 routes would stall the page and the router). */
export const MAX_ROWS = 500;

/**
 * A table whose rows become stacked cards on a phone (assets.ts: each cell then says its column through
 * data-label): the roles are explicit because a table displayed as blocks loses them in some browsers.
 */
export function table(caption: string, head: readonly string[], rows: readonly string[][], empty: string): string {
  if (rows.length === 0) return `<p class="muted">${esc(empty)}</p>`;
  return `<div class="scroll"><table class="stack" role="table"><caption>${esc(caption)}</caption><thead role="rowgroup"><tr role="row">${
    head.map((h) => `<th scope="col" role="columnheader">${esc(h)}</th>`).join('')}</tr></thead>`
    + `<tbody role="rowgroup">${rows.map((r) => `<tr role="row">${r.map((c, i) => (i === 0 ? `<th scope="row" role="rowheader">${c}</th>`
      : `<td role="cell" data-label="${esc(head[i] ?? '')}">${c}</td>`)).join('')}</tr>`).join('')}</tbody></table></div>`;
}

/** A node's, peer's or Service's name: never broken across lines (an ellipsis, with the whole name as its title, when wider than the screen). */
export function nameTag(name: string): string {
  return `<span class="name" title="${esc(name)}">${esc(name)}</span>`;
}

export function stateBadge(state: string): string {
  const cls = state === 'Established' ? 'up' : state === 'Idle' || state === 'Active' ? 'down' : 'wait';
  return `<span class="badge ${cls}">${esc(state)}</span>`;
}

function peerRow(p: PeerSummary): string[] {
  return [
    `${nameTag(p.hostname ?? p.name)}${p.hostname ? ` <span class="muted">${esc(p.address)}</span>` : ''}`,
    esc(p.remoteAs), stateBadge(p.state), duration(p.upDownSeconds), `${p.prefixesReceived} / ${p.prefixesAccepted}`,
  ];
}

export function nexthopList(s: ServiceView): string {
  return `<ul class="nexthops">${s.nodes.map((n) => `<li>${nameTag(n.node)} <span class="muted">via ${esc(n.gateway)}</span> weight ${n.weight} <span class="share">(${n.share.toFixed(0)}%)</span>${n.measured !== undefined ? ` <span class="measured">measured ${n.measured.toFixed(0)}%</span>` : ''}</li>`).join('')}${(s.out ?? []).map((o) => `<li class="out">out: <span class="muted">via ${esc(o.gateway)}</span> <span class="badge down">service check failing</span> <span class="muted">${esc(o.reason)}</span></li>`).join('')}</ul>`;
}

function nexthopText(nh: RouteChangeView['newNexthops']): string {
  return nh.length === 0 ? 'none' : nh.map((n) => `${n.gateway}×${n.weight}`).join(', ');
}

function eventItem(e: RouterEvent): string {
  const when = timeTag(e.at);
  switch (e.type) {
    case 'peer':
      return `<li>${when} peer <strong>${esc(e.peer)}</strong> ${esc(e.from)} → ${stateBadge(e.to)}${e.reason ? ` <span class="muted">${esc(e.reason)}</span>` : ''}</li>`;
    case 'failover':
      return `<li>${when} failover: <strong>${esc(e.peer)}</strong> lost, ${e.prefixes} routes moved in ${millis(e.durationMs)} <span class="muted">${esc(e.reason)}</span></li>`;
    case 'routes': {
      const shown = e.changes.slice(0, 3).map((c) => `${esc(c.prefix)}: ${c.oldNexthops.length} → ${c.newNexthops.length} next hops`).join('; ');
      return `<li>${when} ${e.changes.length} route change${e.changes.length === 1 ? '' : 's'}: ${shown}${e.changes.length > 3 ? '; …' : ''}</li>`;
    }
    case 'config':
      return `<li>${when} configuration ${esc(e.hash.slice(0, 12))}</li>`;
    case 'service-path':
      return `<li>${when} ${esc(e.prefix)} ${e.up ? 'back on' : '<strong>leaves</strong>'} next hop ${esc(e.nexthop)} <span class="muted">service check${e.reason ? `: ${esc(e.reason)}` : ''}</span></li>`;
  }
}

export function chartsSection(h: HistoryView | undefined): string {
  if (!h) return '';
  return `<section aria-labelledby="h-charts"><h2 id="h-charts">History</h2><div class="charts">`
    + lineChart('c-routes', 'Installed routes', h.routeCounts)
    + barChart('c-flaps', 'Session flaps per 10 minutes', h.flaps.map((p) => p.value), '', h.flaps.map((p) => new Date(p.at).toISOString().slice(11, 16)))
    + barChart('c-failover', 'Failover times', h.failovers.map((f) => Math.round(f.durationMs * 100) / 100), ' ms', h.failovers.map((f) => f.peer))
    + '</div></section>';
}

export function overviewBody(o: Overview, history: HistoryView | undefined): string {
  const s = o.summary;
  const up = s.peers.filter((p) => p.state === 'Established').length;
  return `<p class="lead">Router ${esc(s.routerId)}, AS ${s.localAs}: <strong id="peers-up">${up} of ${s.peers.length}</strong> sessions up, <strong>${o.services.length}</strong> Service IPs installed.</p>
<section aria-labelledby="h-peers"><h2 id="h-peers">Peers</h2>
${table('BGP sessions', ['Node', 'AS', 'State', 'Up/down for', 'Prefixes received / accepted'], s.peers.map(peerRow), 'No peers configured.')}</section>
<section aria-labelledby="h-vips"><h2 id="h-vips">Service IPs</h2>
${table('Installed Service IPs and the nodes serving them', ['Service IP', 'Nodes'], o.services.slice(0, MAX_ROWS).map((v) => [`<a href="/vip?prefix=${encodeURIComponent(v.prefix)}">${esc(v.prefix)}</a>`, nexthopList(v)]), 'No Service IP is installed.')}
${o.services.length > MAX_ROWS ? `<p class="muted">The first ${MAX_ROWS} of ${o.services.length} routes are listed; the ECMP groups below count them all.</p>` : ''}</section>
<section aria-labelledby="h-ecmp"><h2 id="h-ecmp">ECMP groups</h2>
${table('Routes sharing one weighted next hop set', ['Next hops (weight)', 'Routes'], o.groups.map((g) => [esc(nexthopText(g.nexthops)), `${g.prefixes.length} <span class="muted">${esc(g.prefixes.slice(0, 4).join(', '))}${g.prefixes.length > 4 ? ', …' : ''}</span>`]), 'No ECMP group.')}</section>
<section aria-labelledby="h-events"><h2 id="h-events">Recent events</h2>
${o.events.length ? `<ol class="events">${o.events.map(eventItem).join('')}</ol>` : '<p class="muted">Nothing happened since the router started.</p>'}</section>
${chartsSection(history)}`;
}

export function serviceBody(prefix: string, v: ServiceView | undefined, changes: readonly (RouteChangeView & { at: number })[] | undefined, now: number): string {
  const meter = (pct: number, label: string): string => `<meter min="0" max="100" value="${pct.toFixed(1)}" aria-label="${label}">${pct.toFixed(0)}%</meter> ${pct.toFixed(0)}%`;
  // the measured column only where the router counts (its nft table): a bar per next hop beside the intended one
  const measured = v?.nodes.some((n) => n.measured !== undefined) ?? false;
  const nodes = v
    ? table(`Nodes serving ${prefix}`, ['Node', 'Next hop', 'Weight', 'Share of new flows', ...(measured ? ['Measured share of packets'] : []), 'Since'],
      v.nodes.map((n) => [nameTag(n.node), esc(n.gateway), String(n.weight), meter(n.share, 'share'), ...(measured ? [meter(n.measured ?? 0, 'measured share')] : []),
        n.since !== undefined ? `${timeTag(n.since)} <span class="muted">(${duration((now - n.since) / 1000)})</span>` : '?']), 'No node serves it.')
    : `<p class="warn">${esc(prefix)} is not installed: no node announces it now.</p>`;
  const out = v?.out?.length
    ? `<p class="warn">Out of the group while its service check through them fails: ${v.out.map((o) => `${esc(o.gateway)} <span class="muted">(${esc(o.reason)})</span>`).join(', ')}</p>`
    : '';
  const hist = changes === undefined ? '' : `<section aria-labelledby="h-hist"><h2 id="h-hist">Changes</h2>${
    changes.length ? `<ol class="events">${changes.map((c) => `<li>${timeTag(c.at)} ${esc(nexthopText(c.oldNexthops))} → ${esc(nexthopText(c.newNexthops))} <span class="muted">${esc(c.reason)}</span></li>`).join('')}</ol>`
      : '<p class="muted">No change recorded.</p>'}</section>`;
  return `<p class="lead"><strong id="vip-count">${v?.nodes.length ?? 0}</strong> node${v?.nodes.length === 1 ? '' : 's'} serve ${esc(prefix)}.</p>
<section aria-labelledby="h-nodes"><h2 id="h-nodes">Nodes</h2>${nodes}${out}</section>${hist}`;
}
