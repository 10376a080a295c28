/**
 * The page's only assets, served from memory (the box is offline: no CDN, no fonts fetched): the
 * stylesheet (phone first, light and dark; on a phone a table's rows stack, names never break) and the script that applies live updates from the server's
 * event stream to the #live region.
 */
export const CSS = `
:root { color-scheme: light dark; --fg: #1b1f23; --bg: #fff; --muted: #57606a; --line: #d0d7de; --up: #1a7f37; --down: #cf222e; --wait: #9a6700; --accent: #0969da; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9198a1; --line: #30363d; --up: #3fb950; --down: #f85149; --wait: #d29922; --accent: #4493f8; } }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: .5rem; padding: .5rem 1rem; border-bottom: 1px solid var(--line); }
nav a { margin-right: 1rem; color: var(--accent); text-decoration: none; padding: .5rem 0; display: inline-block; }
nav a:focus-visible, a:focus-visible, button:focus-visible, input:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.brand { font-weight: 700; color: var(--fg); }
.skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: .5rem; background: var(--bg); padding: .5rem; z-index: 1; }
main { padding: 0 1rem 2rem; max-width: 72rem; margin: 0 auto; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.15rem; margin-top: 1.75rem; }
.lead { font-size: 1.05rem; }
.muted { color: var(--muted); } .warn { color: var(--down); }
.alert { border: 2px solid var(--down); border-radius: .4rem; padding: 0 1rem; margin: 1rem 0; } .alert h2 { color: var(--down); margin-top: .75rem; } .alert pre { white-space: pre-wrap; overflow-wrap: anywhere; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; min-width: 20rem; }
caption { text-align: left; color: var(--muted); font-size: .9rem; padding-bottom: .25rem; }
th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
tbody th { font-weight: 600; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 1rem; font-size: .85rem; border: 1px solid currentColor; }
.badge.up { color: var(--up); } .badge.down { color: var(--down); } .badge.wait { color: var(--wait); }
.nexthops { margin: 0; padding-left: 1rem; }
.node { border-top: 1px solid var(--line); margin-top: 1.5rem; } .node > h2 { margin-top: 1rem; overflow-wrap: anywhere; } .node .scroll { margin-bottom: 1rem; }
.events { padding-left: 1.25rem; } .events li { margin: .2rem 0; }
.conn { margin: 0; font-size: .85rem; color: var(--muted); }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); gap: 1rem; }
.chart { margin: 0; } .chart svg { width: 100%; height: 8rem; }
.chart figcaption { font-size: .9rem; color: var(--muted); }
.axis { stroke: var(--line); } .line { fill: none; stroke: var(--accent); stroke-width: 2; } .bar { fill: var(--accent); }
.tick { fill: var(--muted); font-size: 10px; }
form.inline { display: inline; }
button, input { font: inherit; padding: .45rem .8rem; min-height: 2.5rem; }
label { display: block; margin: .5rem 0 .25rem; }
.name { display: inline-block; max-width: 100%; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; vertical-align: bottom; }
@media (max-width: 40rem) {
  body { font-size: 15px; } th, td { padding: .35rem .3rem; }
  /* a table's rows as stacked cards: nothing scrolls sideways; each cell names its column */
  table.stack, table.stack caption, table.stack tbody, table.stack tr, table.stack th, table.stack td { display: block; }
  table.stack { min-width: 0; }
  table.stack thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
  table.stack tr { border-bottom: 1px solid var(--line); padding: .4rem 0; }
  table.stack th, table.stack td { border: 0; padding: .1rem 0; }
  table.stack td[data-label]::before { content: attr(data-label) ": "; color: var(--muted); }
  table.stack td:empty { display: none; }
  table.stack td .nexthops { display: block; padding-left: 1.25rem; }
}
`;

export const CLIENT_JS = `'use strict';
(function () {
  var live = document.getElementById('live');
  var conn = document.getElementById('conn');
  if (!live || !window.EventSource) return;
  var es = new EventSource(live.getAttribute('data-events'));
  es.addEventListener('open', function () { conn.textContent = 'live'; });
  es.addEventListener('error', function () { conn.textContent = 'reconnecting…'; });
  es.addEventListener('update', function (e) {
    var msg = JSON.parse(e.data);
    live.innerHTML = msg.html;
    live.setAttribute('data-version', String(msg.version));
    conn.textContent = 'live, updated ' + new Date().toLocaleTimeString();
  });
})();
`;
