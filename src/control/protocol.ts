/**
 * The control API between a running daemon and `vipgate show …` (and the web page): one JSON request
 * per line, one JSON response per line, over a unix socket (default /run/vipgate/control.sock).
 * A daemon's commands are a CommandMap (src/control/commands.ts for the router, src/agent/commands.ts for
 * the agent): each name with its request arguments and its reply, so that the server's handlers and every
 * client are checked against the same types.
 */
export const DEFAULT_CONTROL_SOCKET = '/run/vipgate/control.sock';

export interface ControlRequest {
  readonly id?: number;
  /** e.g. "show bgp summary", "show ip bgp", "show routes", "show running-config", "clear bgp". */
  readonly command: string;
  readonly args?: Readonly<Record<string, unknown>>;
}

export type ControlResponse =
  | { readonly id?: number; readonly ok: true; readonly result: unknown }
  | { readonly id?: number; readonly ok: false; readonly error: string };

/** One command: the arguments a client sends and the reply it gets. */
export interface CommandSpec<A extends object = NoArgs, R = unknown> {
  readonly args: A;
  readonly reply: R;
}
export type NoArgs = Readonly<Record<never, never>>;

/** A daemon's commands by name (declare it with `type`, not `interface`, so it has an index signature). */
export type CommandMap = { readonly [command: string]: CommandSpec<object, unknown> };

export type CommandName<M extends CommandMap> = keyof M & string;
export type ArgsOf<M extends CommandMap, K extends CommandName<M>> = M[K]['args'];
export type ReplyOf<M extends CommandMap, K extends CommandName<M>> = M[K]['reply'];

/** The arguments as they arrive: the declared names, each of a type still to be checked. */
export type WireArgs<A> = { readonly [P in keyof A]?: unknown };

export type CommandHandler<M extends CommandMap, K extends CommandName<M>> =
  (args: WireArgs<ArgsOf<M, K>>) => ReplyOf<M, K> | Promise<ReplyOf<M, K>>;
