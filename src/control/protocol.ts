/**
 * The control API between a running daemon and `vipgate show …` (and the web page): one JSON request
 * per line, one JSON response per line, over a unix socket (default /run/vipgate/control.sock).
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

export type CommandHandler = (args: Readonly<Record<string, unknown>>) => unknown | Promise<unknown>;
