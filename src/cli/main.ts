/**
 * `vipgate`: one binary with subcommands, as k3s ships `k3s server` / `k3s agent`.
 *   vipgate router --config FILE [--socket PATH] [--check] [--no-fib] [--log-level L]
 *   vipgate agent ... | vipgate agent --check (--config FILE | --metallb-objects FILES) [--source file:PATH]
 *   vipgate show bgp summary | ip bgp [PREFIX] | routes | running-config | agent-manifests  [--json] [--socket PATH]
 *   vipgate clear bgp [PEER|*] [--socket PATH]
 *   vipgate reload [--json] [--socket PATH]
 * Exit codes: 0 ok, 1 failure, 2 usage, 3 invalid configuration, 4 daemon unreachable.
 */
import { ControlError, request } from '../control/client.js';
import { vipgateVersion } from '../lib/version.js';
import { DEFAULT_CONTROL_SOCKET } from '../control/protocol.js';
import type { AgentManifestsView, BfdView, BgpSummary, BgpTable, KernelRouteView, ReloadView } from '../control/views.js';
import { ExitCode, parseArgs, stringFlag, UsageError } from './args.js';
import { renderBgpSummary } from './views/bgp-summary.js';
import { renderBgpTable } from './views/bgp-table.js';
import { renderBgpPrefix } from './views/bgp-detail.js';
import { renderRoutes } from './views/routes.js';
import { renderBfd } from './views/bfd.js';
import { renderReload } from './views/reload.js';
import { renderCluster } from './views/cluster.js';
import { renderDataplane } from './views/dataplane.js';
import { renderHealth } from './views/health.js';
import type { HealthView } from '../control/health.js';
import type { DataplaneView } from '../control/dataplane.js';
import type { ClusterModel } from '../control/cluster.js';
import { renderAgentIpvs, renderAgentRoutes, renderAgentSummary, type AgentIpvsView } from './views/agent.js';
import type { AgentRouteView, AgentSummary } from '../agent/views.js';

const USAGE = `usage:
  vipgate router --config FILE [--socket PATH] [--check] [--no-fib] [--log-level LEVEL]
  vipgate agent --source file:PATH|kubernetes[:KUBECONFIG] (--config FILE | --metallb-namespace NS [--config SETTINGS])
                [--node NAME] [--socket PATH] [--log-level LEVEL]          (the config is re-read on change and on SIGHUP)
  vipgate agent --check (--config FILE | --metallb-objects FILE[,FILE...] [--config SETTINGS])
                [--source file:PATH [--node NAME]]     (validate: every error and warning; with a source, what is announced)
  vipgate agent cleanup [--config FILE] [--state-file FILE] [--interface NAME] [--proc-sys DIR]
                (undo this node's IPVS state the agent recorded: virtual services, addresses, nft table, sysctls)
  vipgate show bgp summary [--json] [--socket PATH]
  vipgate show ip bgp [PREFIX] [--json] [--socket PATH]
  vipgate show bgp ipv4|ipv6 [PREFIX] [--json] [--socket PATH]
  vipgate show ip bgp neighbors ADDRESS received-routes|advertised-routes [--json] [--socket PATH]
  vipgate show routes [--json] [--socket PATH]
  vipgate show bfd [--json] [--socket PATH]
  vipgate show cluster [--json] [--socket PATH]             (the node agents' MQTT reports joined with the router's view)
  vipgate show dataplane [--json] [--socket PATH]           (ICMP redirect warnings, the router's nft table)
  vipgate show health [--json] [--socket PATH]              (Service health checks per route and next hop)
  vipgate show running-config [--socket PATH]
  vipgate show agent-manifests [RANGE] [--json] [--socket PATH]   (the k3s manifests for the node agents, from this router's config)
  vipgate show agent [routes|ipvs] [--json] [--socket PATH]      (a node's agent, default /run/vipgate/agent.sock)
  vipgate clear bgp [PEER|*] [--socket PATH]
  vipgate reload [--json] [--socket PATH]                    (read the router's config file again; SIGHUP does the same)
  vipgate lab up|down|status|demo|ecmp|local|externalip|failover|upstream|ha|one-arm|flows|ipv6|health [--keep]   (root; the seed's lab in namespaces)
  vipgate status-page [--config-error FILE] [--address ADDR] [--port N]   (the appliance's page while no configuration is valid)
  vipgate version
`;

/** Where `vipgate agent` answers by default (`vipgate agent --socket`). */
const DEFAULT_AGENT_SOCKET = '/run/vipgate/agent.sock';

interface ShowView {
  /** The control command, or a function of the words after the view's name. */
  readonly command: string | ((words: string[]) => string);
  /** The daemon that answers, when not the router. */
  readonly socket?: string;
  readonly args?: (words: string[]) => Record<string, unknown>;
  readonly text: (result: unknown, words: string[]) => string;
}

/** `show ip bgp [PREFIX]`, `show bgp ipv4|ipv6 [PREFIX]`: one family's table, or one prefix of it. */
function bgpTableView(family: 'ipv4' | 'ipv6'): ShowView {
  return {
    command: 'show ip bgp',
    args: (w) => ({ family, ...(w[0] ? { prefix: w[0] } : {}) }),
    text: (r, w) => (w[0] ? renderBgpPrefix(r as BgpTable, (r as BgpTable).paths[0]?.prefix ?? w[0]) : renderBgpTable(r as BgpTable)),
  };
}

/** `show` words after "show" → control command and text renderer. */
const SHOW: Record<string, ShowView> = {
  'bgp summary': { command: 'show bgp summary', text: (r) => renderBgpSummary(r as BgpSummary) },
  'ip bgp summary': { command: 'show bgp summary', text: (r) => renderBgpSummary(r as BgpSummary) },
  'ip bgp neighbors': {
    command: (w) => `show ip bgp neighbors ${w[1]}`,
    args: (w) => {
      if (!w[0] || (w[1] !== 'received-routes' && w[1] !== 'advertised-routes')) throw new UsageError('usage: show ip bgp neighbors ADDRESS received-routes|advertised-routes');
      return { peer: w[0] };
    },
    text: (r) => renderBgpTable(r as BgpTable),
  },
  'ip bgp': bgpTableView('ipv4'),
  'bgp ipv4': bgpTableView('ipv4'),
  'bgp ipv6': bgpTableView('ipv6'),
  routes: { command: 'show routes', text: (r) => renderRoutes(r as KernelRouteView[]) },
  bfd: { command: 'show bfd', text: (r) => renderBfd(r as BfdView) },
  cluster: { command: 'show cluster', text: (r) => renderCluster(r as ClusterModel) },
  dataplane: { command: 'show dataplane', text: (r) => renderDataplane(r as DataplaneView) },
  health: { command: 'show health', text: (r) => renderHealth(r as HealthView[]) },
  agent: { command: 'show agent', socket: DEFAULT_AGENT_SOCKET, text: (r) => renderAgentSummary(r as AgentSummary) },
  'agent routes': { command: 'show agent routes', socket: DEFAULT_AGENT_SOCKET, text: (r) => renderAgentRoutes(r as AgentRouteView[]) },
  'agent ipvs': { command: 'show agent ipvs', socket: DEFAULT_AGENT_SOCKET, text: (r) => renderAgentIpvs(r as AgentIpvsView) },
  'running-config': { command: 'show running-config', text: (r) => (r as { text: string }).text },
  'agent-manifests': { command: 'show agent-manifests', args: (w) => (w[0] ? { range: w[0] } : {}), text: (r) => (r as AgentManifestsView).yaml },
};

async function show(words: string[], json: boolean, socketFlag: string | undefined, out: (s: string) => void): Promise<number> {
  const key = Object.keys(SHOW).sort((a, b) => b.length - a.length).find((k) => words.slice(0, k.split(' ').length).join(' ') === k);
  if (!key) throw new UsageError(`unknown view "show ${words.join(' ')}"`);
  const view = SHOW[key]!;
  const rest = words.slice(key.split(' ').length);
  const result = await request(socketFlag ?? view.socket ?? DEFAULT_CONTROL_SOCKET, typeof view.command === 'string' ? view.command : view.command(rest), view.args?.(rest) ?? {});
  out(json ? `${JSON.stringify(result, null, 2)}\n` : view.text(result, rest));
  return ExitCode.OK;
}

export async function main(argv: readonly string[], out: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  try {
    const [command, ...rest] = argv;
    switch (command) {
      case 'router': {
        const p = parseArgs(rest, ['config', 'socket', 'log-level'], ['check', 'no-fib']);
        const socket = stringFlag(p, 'socket');
        const logLevel = stringFlag(p, 'log-level');
        // each daemon loads only its own code (the agent's Kubernetes client alone is ~10 MiB of heap)
        const { runRouter } = await import('../router/main.js');
        return await runRouter({
          config: stringFlag(p, 'config') ?? '/etc/vipgate/vipgate.yaml',
          check: p.flags.has('check'), fib: !p.flags.has('no-fib'),
          ...(socket ? { socket } : {}), ...(logLevel ? { logLevel } : {}),
        }, out);
      }
      case 'agent': {
        if (rest[0] === 'cleanup') {
          const p = parseArgs(rest.slice(1), ['config', 'state-file', 'interface', 'proc-sys'], []);
          if (p.words.length > 0) throw new UsageError(`agent cleanup takes no arguments: ${p.words.join(' ')}`);
          const { runAgentCleanup } = await import('../agent/cleanup.js');
          return await runAgentCleanup({
            config: stringFlag(p, 'config'), stateFile: stringFlag(p, 'state-file'), interface: stringFlag(p, 'interface'), procSys: stringFlag(p, 'proc-sys'),
          }, out);
        }
        const p = parseArgs(rest, ['source', 'config', 'metallb-namespace', 'metallb-objects', 'node', 'socket', 'log-level'], ['check']);
        const source = stringFlag(p, 'source');
        const config = stringFlag(p, 'config');
        const metallbNamespace = stringFlag(p, 'metallb-namespace');
        const metallbObjects = stringFlag(p, 'metallb-objects')?.split(',').filter(Boolean);
        if (p.flags.has('check')) {
          if (!config && !metallbObjects?.length) throw new UsageError('agent --check needs --config FILE or --metallb-objects FILE[,FILE...]');
          if (source && !source.startsWith('file:')) throw new UsageError('agent --check shows announcements for --source file:PATH only');
          const { runCheck } = await import('../agent/check.js');
          return await runCheck({ config, metallbObjects, source, node: stringFlag(p, 'node') }, out, (t) => process.stderr.write(t));
        }
        if (metallbObjects) throw new UsageError('--metallb-objects goes with --check (a running agent reads --metallb-namespace or --config)');
        if (!source || (!config && !metallbNamespace)) throw new UsageError('agent needs --source and --config FILE or --metallb-namespace NS');
        const node = stringFlag(p, 'node');
        const socket = stringFlag(p, 'socket');
        const logLevel = stringFlag(p, 'log-level');
        const { runAgent } = await import('../agent/main.js');
        return await runAgent({
          source, ...(config ? { config } : {}), ...(metallbNamespace ? { metallbNamespace } : {}),
          ...(node ? { node } : {}), ...(socket ? { socket } : {}), ...(logLevel ? { logLevel } : {}),
        });
      }
      case 'show': {
        const p = parseArgs(rest, ['socket'], ['json']);
        return await show(p.words, p.flags.has('json'), stringFlag(p, 'socket'), out);
      }
      case 'clear': {
        const p = parseArgs(rest, ['socket'], ['json']);
        if (p.words[0] !== 'bgp') throw new UsageError('only "clear bgp [PEER|*]" is known');
        const r = await request(stringFlag(p, 'socket') ?? DEFAULT_CONTROL_SOCKET, 'clear bgp', { peer: p.words[1] ?? '*' });
        out(`${JSON.stringify(r)}\n`);
        return ExitCode.OK;
      }
      case 'reload': {
        const p = parseArgs(rest, ['socket'], ['json']);
        const r = await request(stringFlag(p, 'socket') ?? DEFAULT_CONTROL_SOCKET, 'reload', {}) as ReloadView;
        if ('invalid' in r) { process.stderr.write(`vipgate reload: the configuration was refused, nothing changed\n${r.invalid}\n`); return ExitCode.CONFIG; }
        out(p.flags.has('json') ? `${JSON.stringify(r.reloaded, null, 2)}\n` : renderReload(r.reloaded));
        return ExitCode.OK;
      }
      case 'lab': {
        const p = parseArgs(rest, [], ['keep']);
        const { runLab } = await import('../lab/main.js');
        return await runLab(p.words, p.flags.has('keep'), out);
      }
      case 'status-page': {
        const { runStatusPage } = await import('./status-page.js');
        return await runStatusPage(rest, out);
      }
      case 'version': case '--version':
        out(`vipgate ${vipgateVersion()}\n`);
        return ExitCode.OK;
      case 'help': case '--help': case undefined:
        out(USAGE);
        return command === undefined ? ExitCode.USAGE : ExitCode.OK;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (e) {
    if (e instanceof UsageError) { process.stderr.write(`vipgate: ${e.message}\n${USAGE}`); return ExitCode.USAGE; }
    if (e instanceof ControlError) { process.stderr.write(`vipgate: ${e.message}\n`); return ExitCode.UNREACHABLE; }
    // failures that explain themselves (a lab daemon that does not answer, a program not installed): no stack
    if (e instanceof Error && (e.name === 'LabError' || e.name === 'MissingProgramError')) { process.stderr.write(`vipgate: ${e.message}\n`); return ExitCode.FAILURE; }
    process.stderr.write(`vipgate: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    return ExitCode.FAILURE;
  }
}
