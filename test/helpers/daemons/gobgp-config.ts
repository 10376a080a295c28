/**
 * gobgpd TOML configuration for tests: global AS / router id / listen port, one [[neighbors]] per neighbor
 * with low timers. GoBGP waits 30 s (idle-hold-time-after-reset) before reconnecting after a session
 * reset; tests lower it to 1 s. Graceful restart (RFC 4724) is off unless asked for.
 */
import { familyOfPrefix, type NeighborSpec } from './types.js';

export interface GobgpOptions {
  routerId: string;
  as: number;
  neighbors: readonly NeighborSpec[];
  /** TCP port gobgpd listens on for BGP (default 179; -1: do not listen). */
  listenPort?: number;
  /** The gRPC API port on 127.0.0.1 inside the namespace (default 50051). */
  apiPort?: number;
  /** Advertise graceful restart (RFC 4724) for every family (default off). */
  gracefulRestart?: boolean;
}

const q = (s: string): string => JSON.stringify(s);

export function gobgpConfig(o: GobgpOptions): string {
  const out = ['[global.config]', `  as = ${o.as}`, `  router-id = ${q(o.routerId)}`, `  port = ${o.listenPort ?? 179}`];
  for (const n of o.neighbors) {
    const hold = n.holdTime ?? 3;
    out.push('', '[[neighbors]]', '  [neighbors.config]', `    neighbor-address = ${q(n.address)}`, `    peer-as = ${n.as}`);
    if (n.password) out.push(`    auth-password = ${q(n.password)}`);
    out.push('  [neighbors.timers.config]', `    hold-time = ${hold}`, `    keepalive-interval = ${Math.max(1, Math.floor(hold / 3))}`,
      '    connect-retry = 1', '    idle-hold-time-after-reset = 1');
    const transport = [
      ...(n.passive ? ['    passive-mode = true'] : []),
      ...(n.port ? [`    remote-port = ${n.port}`] : []),
      ...(n.localAddress ? [`    local-address = ${q(n.localAddress)}`] : []),
    ];
    if (transport.length > 0) out.push('  [neighbors.transport.config]', ...transport);
    if (n.multihop) out.push('  [neighbors.ebgp-multihop.config]', '    enabled = true', `    multihop-ttl = ${n.multihop}`);
    if (n.bfd) throw new Error('GoBGP has no BFD');
    if (o.gracefulRestart) out.push('  [neighbors.graceful-restart.config]', '    enabled = true', '    restart-time = 120');
    for (const f of n.families ?? [familyOfPrefix(n.address)]) {
      out.push('  [[neighbors.afi-safis]]', '    [neighbors.afi-safis.config]', `      afi-safi-name = ${q(`${f}-unicast`)}`);
      if (o.gracefulRestart) out.push('    [neighbors.afi-safis.mp-graceful-restart.config]', '      enabled = true');
    }
  }
  return `${out.join('\n')}\n`;
}
