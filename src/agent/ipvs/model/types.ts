/**
 * The scheduler model's inputs: the real servers of one virtual service in the kernel's list order (the
 * order IPVS dumps them: newest first, since ip_vs_add_dest puts new servers at the head of the list) with
 * their weights and connection counts, and the flows to schedule (the packet fields schedulers look at).
 */

export interface ModelServer {
  readonly address: string;
  readonly port: number;
  readonly weight: number;
  /** Connections in ESTABLISHED state (the kernel's activeconns). */
  activeConns: number;
  /** Connections in any other state, e.g. SYN_RECV, FIN_WAIT, TIME_WAIT (inactconns). */
  inactiveConns: number;
  /** IP_VS_DEST_F_OVERLOAD: the upper threshold was reached. */
  overloaded?: boolean;
}

export interface Flow {
  readonly source: string;
  readonly sourcePort: number;
  /** The virtual address (lblc, lblcr and dh look at it). */
  readonly destination: string;
}

/** A scheduler instance: picks the index of a server for a new connection, or undefined when none is available. */
export interface SchedulerModel {
  readonly name: string;
  pick(servers: readonly ModelServer[], flow: Flow): number | undefined;
  /** A server was added, removed or edited; `servers` is the new list (the kernel's add/del/upd_dest hooks). */
  serversChanged?(servers: readonly ModelServer[]): void;
}

/** The kernel's overhead estimate for lc, wlc, lblc, lblcr and twos (ip_vs_dest_conn_overhead). */
export const connOverhead = (s: ModelServer): number => s.activeConns * 256 + s.inactiveConns;
