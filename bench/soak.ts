/**
 * Soak: a long run of churn against a real `vipgate router` in namespaces (the fault tests' topology,
 * test/fault/swarm-lab.ts): BGP peers flap, peers withdraw and re-announce parts of their VIPs, for an hour by
 * default. The router's RSS (/proc), its event-loop lag (max and p99 over each sample interval, from
 * prom-client's monitor behind /metrics), heap, CPU and installed routes are sampled throughout. At the end
 * the churn stops, every peer announces everything again, and the kernel must hold exactly the expected
 * table (nothing lost). Writes a CSV and an SVG chart to bench/results/.
 *
 *   node --import tsx bench/soak.ts [--seconds 3600 | --quick] [--peers 50] [--vips 5000]
 *        [--flap-every-ms 2000] [--churn-every-ms 250] [--sample-every-ms 5000]
 * --quick is 60 s with a sample every second. Needs root (namespaces) and `npm run build` (dist/).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs, promisify } from 'node:util';
import {
  expectedTable, kernelTable, peerPrefixes, rssMiB, startSwarmLab, tableDiff, waitConverged, type SwarmLabOptions,
} from '../test/fault/swarm-lab.js';

const { values: opt } = parseArgs({
  options: {
    seconds: { type: 'string' },
    quick: { type: 'boolean', default: false },
    peers: { type: 'string', default: '50' },
    vips: { type: 'string', default: '5000' },
    'flap-every-ms': { type: 'string', default: '2000' },
    'churn-every-ms': { type: 'string', default: '250' },
    'sample-every-ms': { type: 'string' },
  },
});

const seconds = Number(opt.seconds ?? (opt.quick ? 60 : 3600));
const sampleEveryMs = Number(opt['sample-every-ms'] ?? (opt.quick ? 1000 : 5000));
const WEB_PORT = 9180;
const load: SwarmLabOptions = {
  peers: Number(opt.peers), vips: Number(opt.vips), ways: 3,
  extraConfig: ['fib: { startupHold: 0 }', `web: { address: 127.0.0.1, port: ${WEB_PORT} }`],
};
/** A peer flaps at most this often, under the router's per-source connection limit for dynamic ranges. */
const MIN_FLAP_GAP_MS = 15_000;

const exec = promisify(execFile);

interface Sample {
  readonly t: number; readonly rssMiB: number; readonly heapMiB: number; readonly lagMaxMs: number; readonly lagP99Ms: number;
  readonly cpuPercent: number; readonly routes: number; readonly sessions: number; readonly flaps: number; readonly churns: number;
}

/** Values of un-labelled series in a Prometheus text exposition. */
function metric(text: string, name: string): number {
  const m = new RegExp(`^${name} ([0-9.eE+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : Number.NaN;
}

function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime, in clock ticks (100 a second)
}

/** A small multi-panel line chart: one panel per series group, shared time axis. */
function svgChart(samples: readonly Sample[], title: string): string {
  const panels: { label: string; series: { name: string; color: string; pick: (s: Sample) => number }[] }[] = [
    { label: 'router RSS and heap (MiB)', series: [{ name: 'RSS', color: '#1f77b4', pick: (s) => s.rssMiB }, { name: 'heap used', color: '#2ca02c', pick: (s) => s.heapMiB }] },
    { label: 'event-loop lag (ms)', series: [{ name: 'max', color: '#d62728', pick: (s) => s.lagMaxMs }, { name: 'p99', color: '#ff7f0e', pick: (s) => s.lagP99Ms }] },
    { label: 'routes installed / sessions up', series: [{ name: 'routes', color: '#9467bd', pick: (s) => s.routes }, { name: 'sessions x100', color: '#8c564b', pick: (s) => s.sessions * 100 }] },
  ];
  const W = 900, PH = 170, L = 60, R = 150, T = 40, GAP = 30;
  const H = T + panels.length * (PH + GAP);
  const tMax = Math.max(1, ...samples.map((s) => s.t));
  const x = (t: number) => L + ((W - L - R) * t) / tMax;
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`, `<text x="${L}" y="20" font-size="14">${title}</text>`];
  panels.forEach((p, i) => {
    const top = T + i * (PH + GAP);
    const vMax = Math.max(1e-9, ...p.series.flatMap((s) => samples.map(s.pick).filter(Number.isFinite))) * 1.1;
    const y = (v: number) => top + PH - (PH * v) / vMax;
    out.push(`<rect x="${L}" y="${top}" width="${W - L - R}" height="${PH}" fill="none" stroke="#999"/>`,
      `<text x="${L}" y="${top - 4}">${p.label}</text>`,
      `<text x="${L - 4}" y="${top + 10}" text-anchor="end">${vMax.toPrecision(3)}</text>`,
      `<text x="${L - 4}" y="${top + PH}" text-anchor="end">0</text>`);
    p.series.forEach((s, k) => {
      const pts = samples.filter((v) => Number.isFinite(s.pick(v))).map((v) => `${x(v.t).toFixed(1)},${y(s.pick(v)).toFixed(1)}`).join(' ');
      out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="1.5" points="${pts}"/>`,
        `<text x="${W - R + 10}" y="${top + 14 + k * 14}" fill="${s.color}">${s.name}</text>`);
    });
  });
  const bottom = T + panels.length * (PH + GAP) - GAP;
  for (let k = 0; k <= 4; k++) out.push(`<text x="${x((tMax * k) / 4)}" y="${bottom + 14}" text-anchor="middle">${Math.round((tMax * k) / 4)} s</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

async function main(): Promise<void> {
  const env = await startSwarmLab(load);
  const { router, swarm } = env;
  try {
    const pid = router.pid!;
    const t0 = performance.now();
    await waitConverged(router, load.peers, expectedTable(load), 120_000);
    process.stdout.write(`soak: ${load.peers} peers, ${load.vips} VIPs x 3 converged in ${((performance.now() - t0) / 1000).toFixed(1)} s; churning for ${seconds} s\n`);

    const perPeer = peerPrefixes(load).map((l) => l.length);
    const lastFlap = perPeer.map(() => -Infinity);
    let flaps = 0;
    let churns = 0;
    const samples: Sample[] = [];
    const start = performance.now();
    const elapsed = () => performance.now() - start;
    let nextFlap = 0, nextChurn = 0, nextSample = 0;
    let lastCpu = cpuTicks(pid), lastCpuAt = performance.now();
    const rand = (n: number) => Math.floor(Math.random() * n);

    while (elapsed() < seconds * 1000) {
      const now = elapsed();
      if (now >= nextFlap) {
        nextFlap += Number(opt['flap-every-ms']);
        const p = rand(load.peers);
        if (now - lastFlap[p]! >= MIN_FLAP_GAP_MS) { swarm.send(`flap ${p}`); lastFlap[p] = now; flaps++; }
      }
      if (now >= nextChurn) {
        nextChurn += Number(opt['churn-every-ms']);
        const p = rand(load.peers);
        swarm.send(Math.random() < 0.5 ? `withdraw ${p} ${1 + rand(perPeer[p]!)}` : `announce ${p}`);
        churns++;
      }
      if (now >= nextSample) {
        nextSample += sampleEveryMs;
        const m = (await exec('ip', ['netns', 'exec', router.ns, 'curl', '-s', '--max-time', '5', `http://127.0.0.1:${WEB_PORT}/metrics`], { maxBuffer: 64 << 20 })).stdout;
        const cpu = cpuTicks(pid), at = performance.now();
        samples.push({
          t: Math.round(now / 100) / 10, rssMiB: rssMiB(pid), heapMiB: metric(m, 'nodejs_heap_size_used_bytes') / 2 ** 20,
          lagMaxMs: metric(m, 'nodejs_eventloop_lag_max_seconds') * 1000, lagP99Ms: metric(m, 'nodejs_eventloop_lag_p99_seconds') * 1000,
          cpuPercent: ((cpu - lastCpu) / ((at - lastCpuAt) / 1000)), routes: metric(m, 'vipgate_routes_installed'),
          sessions: (await router.summary()).peers.filter((p) => p.state === 'Established').length, flaps, churns,
        });
        lastCpu = cpu; lastCpuAt = at;
      }
      await new Promise((r) => setTimeout(r, 20));
    }

    // stop churning: everything announced again, and the kernel must hold exactly the full table
    for (let p = 0; p < load.peers; p++) swarm.send(`announce ${p}`);
    const settle = performance.now();
    await waitConverged(router, load.peers, expectedTable(load), 120_000);
    const diff = tableDiff(expectedTable(load), kernelTable(router.ns));
    const settleS = (performance.now() - settle) / 1000;

    const stamp = new Date().toISOString().slice(0, 10);
    const base = new URL(`./results/soak-${stamp}-${seconds}s`, import.meta.url).pathname;
    mkdirSync(new URL('./results/', import.meta.url).pathname, { recursive: true });
    const cols = ['t', 'rssMiB', 'heapMiB', 'lagMaxMs', 'lagP99Ms', 'cpuPercent', 'routes', 'sessions', 'flaps', 'churns'] as const;
    writeFileSync(`${base}.csv`, `${cols.join(',')}\n${samples.map((s) => cols.map((c) => (Number.isInteger(s[c]) ? s[c] : s[c].toFixed(2))).join(',')).join('\n')}\n`);
    writeFileSync(`${base}.svg`, svgChart(samples, `vipgate soak: ${seconds} s, ${load.peers} peers, ${load.vips} VIPs, ${flaps} flaps, ${churns} route changes`));

    const stat = (pick: (s: Sample) => number) => {
      const v = samples.map(pick).filter(Number.isFinite);
      return { first: v[0] ?? NaN, last: v[v.length - 1] ?? NaN, max: Math.max(...v), median: [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? NaN };
    };
    const rss = stat((s) => s.rssMiB), heap = stat((s) => s.heapMiB), lag = stat((s) => s.lagMaxMs), p99 = stat((s) => s.lagP99Ms), cpu = stat((s) => s.cpuPercent);
    const f = (n: number) => n.toFixed(1);
    process.stdout.write([
      `samples ${samples.length}, flaps ${flaps}, withdraw/announce commands ${churns}`,
      `RSS MiB: first ${f(rss.first)} last ${f(rss.last)} max ${f(rss.max)}; heap MiB: first ${f(heap.first)} last ${f(heap.last)} max ${f(heap.max)}`,
      `event-loop lag ms (per interval max): median ${f(lag.median)} max ${f(lag.max)}; p99: median ${f(p99.median)} max ${f(p99.max)}`,
      `router CPU %: median ${f(cpu.median)} max ${f(cpu.max)}`,
      `after churn: converged to the full table in ${settleS.toFixed(1)} s; differences ${diff.length === 0 ? 'none' : diff.join('; ')}`,
      `wrote ${base}.csv and ${base}.svg`, '',
    ].join('\n'));
    if (diff.length > 0 || swarm.errors().length > 0) process.exitCode = 1;
  } finally {
    await env.dispose();
  }
}

await main();
