/** `vipgate show dataplane`'s JSON shape: what the router's forwarding does beyond its routes (src/router/dataplane.ts). */
export interface DataplaneView {
  /** Interfaces that forward IPv4 and would send ICMP redirects, each with the operator's sentence. */
  readonly redirecting: readonly { readonly name: string; readonly all: boolean; readonly own: boolean; readonly warning: string }[];
  /** The router's nft table: in place, or why not. */
  readonly nftTable: { readonly name: string; readonly applied: boolean; readonly error?: string };
  /** IPv6 redirects the table dropped (undefined: not in place). */
  readonly ipv6RedirectsDropped?: number;
}
