/**
 * `vipgate show …`: the words after "show" name a view, that is a control command of the router's or the
 * agent's map (src/control/commands.ts, src/agent/commands.ts), its arguments from the remaining words, and
 * the text renderer of its reply; each view is typed by its command, so a reply shape change fails to compile.
 */
import { controlClient, type ControlClient } from '../control/client.js';
import { DEFAULT_CONTROL_SOCKET, type ArgsOf, type CommandMap, type CommandName, type ReplyOf } from '../control/protocol.js';
import type { RouterCommands } from '../control/commands.js';
import type { AgentCommands } from '../agent/commands.js';
import { ExitCode, UsageError } from './args.js';
import { renderBgpSummary } from './views/bgp-summary.js';
import { renderBgpTable } from './views/bgp-table.js';
import { renderBgpPrefix } from './views/bgp-detail.js';
import { renderRoutes } from './views/routes.js';
import { renderBfd, renderHealth } from './views/bfd.js';
import { renderCluster } from './views/cluster.js';
import { renderDataplane } from './views/dataplane.js';
import { renderAgentIpvs, renderAgentRoutes, renderAgentSummary } from './views/agent.js';

/** Where `vipgate agent` answers by default (`vipgate agent --socket`). */
const DEFAULT_AGENT_SOCKET = '/run/vipgate/agent.sock';

/** A view with its command's types erased: ask the daemon at `socket`, give the reply and its text. */
interface ShowView {
  readonly socket: string;
  readonly run: (socket: string, words: string[]) => Promise<{ readonly reply: unknown; readonly text: () => string }>;
}

type ViewSpec<M extends CommandMap, K extends CommandName<M>> = {
  /** The control command, or a function of the words after the view's name. */
  readonly command: K | ((words: string[]) => K);
  readonly text: (reply: ReplyOf<M, K>, words: string[]) => string;
} & ViewArgs<ArgsOf<M, K>>;
/** The command's arguments from the words: optional for a command whose arguments are all optional. */
type ViewArgs<A> = Record<never, never> extends A ? { readonly args?: (words: string[]) => A } : { readonly args: (words: string[]) => A };

function viewOf<M extends CommandMap>(defaultSocket: string) {
  return <K extends CommandName<M>>(v: ViewSpec<M, K>): ShowView => ({
    socket: defaultSocket,
    run: async (socket, words) => {
      const client: ControlClient<M> = controlClient<M>(socket);
      const command = typeof v.command === 'function' ? v.command(words) : v.command;
      // without `args` the command's arguments are all optional (ViewArgs): none are sent
      const args = (v.args as ((w: string[]) => ArgsOf<M, K>) | undefined)?.(words) ?? ({} as ArgsOf<M, K>);
      const reply = await client.call(command, ...([args] as never));
      return { reply, text: () => v.text(reply, words) };
    },
  });
}
const router = viewOf<RouterCommands>(DEFAULT_CONTROL_SOCKET);
const agent = viewOf<AgentCommands>(DEFAULT_AGENT_SOCKET);

/** `show ip bgp [PREFIX]`, `show bgp ipv4|ipv6 [PREFIX]`: one family's table, or one prefix of it. */
function bgpTableView(family: 'ipv4' | 'ipv6'): ShowView {
  return router({
    command: 'show ip bgp',
    args: (w) => ({ family, ...(w[0] ? { prefix: w[0] } : {}) }),
    text: (r, w) => (w[0] ? renderBgpPrefix(r, r.paths[0]?.prefix ?? w[0]) : renderBgpTable(r)),
  });
}

const bgpSummary = router({ command: 'show bgp summary', text: (r) => renderBgpSummary(r) });

/** `show` words after "show" → the view. */
const SHOW: Record<string, ShowView> = {
  'bgp summary': bgpSummary,
  'ip bgp summary': bgpSummary,
  'ip bgp neighbors': router({
    command: (w) => (w[1] === 'advertised-routes' ? 'show ip bgp neighbors advertised-routes' : 'show ip bgp neighbors received-routes'),
    args: (w) => {
      if (!w[0] || (w[1] !== 'received-routes' && w[1] !== 'advertised-routes')) throw new UsageError('usage: show ip bgp neighbors ADDRESS received-routes|advertised-routes');
      return { peer: w[0] };
    },
    text: (r) => renderBgpTable(r),
  }),
  'ip bgp': bgpTableView('ipv4'),
  'bgp ipv4': bgpTableView('ipv4'),
  'bgp ipv6': bgpTableView('ipv6'),
  routes: router({ command: 'show routes', text: (r) => renderRoutes(r) }),
  bfd: router({ command: 'show bfd', text: (r) => renderBfd(r) }),
  health: router({ command: 'show health', text: (r) => renderHealth(r) }),
  cluster: router({ command: 'show cluster', text: (r) => renderCluster(r) }),
  dataplane: router({ command: 'show dataplane', text: (r) => renderDataplane(r) }),
  agent: agent({ command: 'show agent', text: (r) => renderAgentSummary(r) }),
  'agent routes': agent({ command: 'show agent routes', text: (r) => renderAgentRoutes(r) }),
  'agent ipvs': agent({ command: 'show agent ipvs', text: (r) => renderAgentIpvs(r) }),
  'running-config': router({ command: 'show running-config', text: (r) => r.text }),
  'agent-manifests': router({ command: 'show agent-manifests', args: (w) => (w[0] ? { range: w[0] } : {}), text: (r) => r.yaml }),
};

export async function show(words: string[], json: boolean, socketFlag: string | undefined, out: (s: string) => void): Promise<number> {
  const key = Object.keys(SHOW).sort((a, b) => b.length - a.length).find((k) => words.slice(0, k.split(' ').length).join(' ') === k);
  if (!key) throw new UsageError(`unknown view "show ${words.join(' ')}"`);
  const view = SHOW[key]!;
  const rest = words.slice(key.split(' ').length);
  const r = await view.run(socketFlag ?? view.socket, rest);
  out(json ? `${JSON.stringify(r.reply, null, 2)}\n` : r.text());
  return ExitCode.OK;
}
