/**
 * `vipgate`: one binary with subcommands, as k3s ships `k3s server` / `k3s agent`.
 *   vipgate router --config FILE [--socket PATH] [--check] [--no-fib] [--log-level L]
 *   vipgate agent ... | vipgate agent --check (--config FILE | --metallb-objects FILES) [--source file:PATH]
 *   vipgate show bgp summary | ip bgp [PREFIX] | routes | running-config | agent-manifests  [--json] [--socket PATH]
 *   vipgate clear bgp [PEER|*] [--socket PATH]
 *   vipgate reload [--json] [--socket PATH]
 * Exit codes: 0 ok, 1 failure, 2 usage, 3 invalid configuration, 4 daemon unreachable.
 */
import { ControlError, routerClient } from '../control/client.js';
import { vipgateVersion } from '../lib/version.js';
import { keepYoungGenerationSmall } from '../lib/young-generation.js';
import { DEFAULT_CONTROL_SOCKET } from '../control/protocol.js';
import { ExitCode, parseArgs, stringFlag, UsageError } from './args.js';
import { renderReload } from './views/reload.js';
import { show } from './show.js';

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
  vipgate show health [--json] [--socket PATH]              (service checks per Service IP and next hop: serviceHealth)
  vipgate show cluster [--json] [--socket PATH]             (the node agents' MQTT reports joined with the router's view)
  vipgate show dataplane [--json] [--socket PATH]           (ICMP redirect warnings, the router's nft table)
  vipgate show running-config [--socket PATH]
  vipgate show agent-manifests [RANGE] [--json] [--socket PATH]   (the k3s manifests for the node agents, from this router's config)
  vipgate show agent [routes|ipvs] [--json] [--socket PATH]      (a node's agent, default /run/vipgate/agent.sock)
  vipgate clear bgp [PEER|*] [--socket PATH]
  vipgate reload [--json] [--socket PATH]                    (read the router's config file again; SIGHUP does the same)
  vipgate lab up|down|status|demo|ecmp|local|externalip|failover|upstream|ha|one-arm|flows|ipv6|health [--keep]   (root; the seed's lab in namespaces)
  vipgate status-page [--config-error FILE] [--address ADDR] [--port N]   (the appliance's page while no configuration is valid)
  vipgate version
`;

export async function main(argv: readonly string[], out: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  try {
    const [command, ...rest] = argv;
    switch (command) {
      case 'router': {
        keepYoungGenerationSmall(); // the daemons idle in a small young generation (lib/young-generation.ts)
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
        keepYoungGenerationSmall();
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
        const r = await routerClient(stringFlag(p, 'socket') ?? DEFAULT_CONTROL_SOCKET).call('clear bgp', { peer: p.words[1] ?? '*' });
        out(`${JSON.stringify(r)}\n`);
        return ExitCode.OK;
      }
      case 'reload': {
        const p = parseArgs(rest, ['socket'], ['json']);
        const r = await routerClient(stringFlag(p, 'socket') ?? DEFAULT_CONTROL_SOCKET).call('reload');
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
