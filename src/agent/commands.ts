/**
 * The agent's control commands (`vipgate show agent …`, the lab and the tests): each name with its
 * arguments and the JSON shape of its reply, and the handlers that answer them on the agent's socket.
 * The router's are in src/control/commands.ts.
 */
import type { CommandSpec, NoArgs } from '../control/protocol.js';
import type { ControlServer } from '../control/server.js';
import { controlClient, type ControlClient } from '../control/client.js';
import type { Agent } from './agent.js';
import type { AgentIpvsView, IpvsControl } from './ipvs/control.js';
import { agentRoutes, agentSummary, type AgentRouteView, type AgentSummary } from './views.js';

export type AgentCommands = {
  readonly 'show agent': CommandSpec<NoArgs, AgentSummary>;
  readonly 'show agent routes': CommandSpec<NoArgs, AgentRouteView[]>;
  readonly 'show agent ipvs': CommandSpec<NoArgs, AgentIpvsView>;
};

export function registerAgentCommands(control: ControlServer<AgentCommands>, agent: Agent, node: string, ipvs: IpvsControl): void {
  control.handle('show agent', async () => agentSummary(agent, node, await agent.bfdViews(), ipvs.summary()));
  control.handle('show agent routes', () => agentRoutes(agent));
  control.handle('show agent ipvs', () => ipvs.view());
}

/** The agent's control socket. */
export function agentClient(path: string): ControlClient<AgentCommands> { return controlClient<AgentCommands>(path); }
