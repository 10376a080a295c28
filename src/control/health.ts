/** `vipgate show health`'s JSON shape: one Service health check pair (route, next hop) and its state. */
export interface HealthView {
  readonly prefix: string;
  readonly nexthop: string;
  readonly port: number;
  /** False once `fails` checks in a row failed, until `passes` in a row pass. */
  readonly up: boolean;
  readonly failedInRow: number;
  readonly lastError?: string;
}
