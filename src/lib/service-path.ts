/** A Service IP checked through one next hop (serviceHealth, src/probe/service-health.ts), as the views show it. */
export interface ServicePathView {
  readonly prefix: string;
  readonly nexthop: string;
  /** In the route's group (true), or out while its checks fail. */
  readonly up: boolean;
  /** Failed and passed rounds in a row (one of them is 0), and rounds judged in all. */
  readonly failed: number;
  readonly passed: number;
  readonly checks: number;
  readonly lastError?: string;
}
