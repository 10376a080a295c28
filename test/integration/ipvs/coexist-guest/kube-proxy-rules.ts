/**
 * A stand-in for kube-proxy's iptables mode in the coexistence VM: the rules kube-proxy writes for a
 * Service, shaped as its own tests expect them (kubernetes pkg/proxy/iptables/proxier_test.go: chain names
 * KUBE-SVC/KUBE-SVL/KUBE-EXT/KUBE-FW/KUBE-SEP-<base32(sha256(servicePortName + protocol [+ endpoint]))[:16]>,
 * the "cluster IP" and "loadbalancer IP" rules in KUBE-SERVICES, KUBE-MARK-MASQ / KUBE-POSTROUTING, the
 * statistic-mode endpoint choice, KUBE-FW + KUBE-PROXY-FIREWALL for loadBalancerSourceRanges; the jumps
 * from PREROUTING/OUTPUT/POSTROUTING and INPUT/FORWARD/OUTPUT as pkg/proxy/iptables/proxier.go's
 * iptablesJumpChains make them). A LoadBalancer ingress IP gets its rule only when its ipMode is VIP or
 * unset (pkg/proxy/util IsVIPMode): for a Proxy-mode IP kube-proxy writes none. Facts from kubernetes;
 * the code is ours.
 */
import { createHash } from 'node:crypto';

export interface KpEndpoint { readonly address: string; readonly port: number; readonly local: boolean }
export interface KpService {
  readonly namespace: string;
  readonly name: string;
  /** ServicePort name. */
  readonly portName: string;
  readonly protocol: 'tcp' | 'udp';
  readonly port: number;
  readonly clusterIP: string;
  /** status.loadBalancer.ingress: ip and ipMode. */
  readonly ingress: readonly { readonly ip: string; readonly ipMode?: string }[];
  readonly policy: 'Cluster' | 'Local';
  readonly sourceRanges?: readonly string[];
  readonly endpoints: readonly KpEndpoint[];
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
function base32(buf: Uint8Array): string {
  let bits = 0, value = 0, out = '';
  for (const b of buf) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) { out += ALPHABET[(value >>> (bits - 5)) & 31]; bits -= 5; }
  }
  return out;
}
/** kube-proxy's portProtoHash (and its endpoint variant). */
export const kpHash = (...parts: string[]): string => base32(createHash('sha256').update(parts.join('')).digest()).slice(0, 16);

/** pkg/proxy/util IsVIPMode: no ipMode or VIP. */
export const isVipMode = (i: { ipMode?: string }): boolean => i.ipMode === undefined || i.ipMode === 'VIP';

const q = (s: string): string => (/\s/.test(s) ? `"${s}"` : s);

export interface KpRules { readonly nat: string[]; readonly filter: string[]; readonly natChains: string[]; readonly filterChains: string[] }

/** The rules for one Service port. `clusterCidr` is kube-proxy's --cluster-cidr. */
export function serviceRules(s: KpService, clusterCidr: string): KpRules {
  const spn = `${s.namespace}/${s.name}:${s.portName}`;
  const h = kpHash(spn, s.protocol);
  const svc = `KUBE-SVC-${h}`, svl = `KUBE-SVL-${h}`, ext = `KUBE-EXT-${h}`, fw = `KUBE-FW-${h}`;
  const m = `-m ${s.protocol} -p ${s.protocol}`;
  const nat: string[] = [], filter: string[] = [];
  const natChains = [svc, ext];
  const vips = s.ingress.filter(isVipMode).map((i) => i.ip);
  nat.push(`-A KUBE-SERVICES -m comment --comment ${q(`${spn} cluster IP`)} ${m} -d ${s.clusterIP} --dport ${s.port} -j ${svc}`);
  const ranged = (s.sourceRanges?.length ?? 0) > 0;
  for (const ip of vips) nat.push(`-A KUBE-SERVICES -m comment --comment ${q(`${spn} loadbalancer IP`)} ${m} -d ${ip} --dport ${s.port} -j ${ranged ? fw : ext}`);
  if (s.policy === 'Local') {
    natChains.push(svl);
    nat.push(`-A ${ext} -m comment --comment ${q(`pod traffic for ${spn} external destinations`)} -s ${clusterCidr} -j ${svc}`);
    nat.push(`-A ${ext} -m comment --comment ${q(`masquerade LOCAL traffic for ${spn} external destinations`)} -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`);
    nat.push(`-A ${ext} -m comment --comment ${q(`route LOCAL traffic for ${spn} external destinations`)} -m addrtype --src-type LOCAL -j ${svc}`);
    nat.push(`-A ${ext} -j ${svl}`);
  } else {
    nat.push(`-A ${ext} -m comment --comment ${q(`masquerade traffic for ${spn} external destinations`)} -j KUBE-MARK-MASQ`);
    nat.push(`-A ${ext} -j ${svc}`);
  }
  if (ranged && vips.length > 0) {
    natChains.push(fw);
    for (const r of s.sourceRanges!) nat.push(`-A ${fw} -m comment --comment ${q(`${spn} loadbalancer IP`)} -s ${r} -j ${ext}`);
    nat.push(`-A ${fw} -m comment --comment ${q(`other traffic to ${spn} will be dropped by KUBE-PROXY-FIREWALL`)}`);
    for (const ip of vips) filter.push(`-A KUBE-PROXY-FIREWALL -m comment --comment ${q(`${spn} traffic not accepted by ${fw}`)} ${m} -d ${ip} --dport ${s.port} -j DROP`);
  }
  nat.push(`-A ${svc} -m comment --comment ${q(`${spn} cluster IP`)} ${m} -d ${s.clusterIP} --dport ${s.port} ! -s ${clusterCidr} -j KUBE-MARK-MASQ`);
  const dispatch = (chain: string, eps: readonly KpEndpoint[]): void => {
    eps.forEach((e, i) => {
      const sep = `KUBE-SEP-${kpHash(spn, s.protocol, `${e.address}:${e.port}`)}`;
      const left = eps.length - i;
      nat.push(`-A ${chain} -m comment --comment ${q(`${spn} -> ${e.address}:${e.port}`)}${left > 1 ? ` -m statistic --mode random --probability ${(1 / left).toFixed(10)}` : ''} -j ${sep}`);
    });
  };
  dispatch(svc, s.endpoints);
  if (s.policy === 'Local') dispatch(svl, s.endpoints.filter((e) => e.local));
  for (const e of s.endpoints) {
    const sep = `KUBE-SEP-${kpHash(spn, s.protocol, `${e.address}:${e.port}`)}`;
    if (!natChains.includes(sep)) natChains.push(sep);
    nat.push(`-A ${sep} -m comment --comment ${spn} -s ${e.address} -j KUBE-MARK-MASQ`);
    nat.push(`-A ${sep} -m comment --comment ${spn} ${m} -j DNAT --to-destination ${e.address}:${e.port}`);
  }
  return { nat, filter, natChains, filterChains: [] };
}

/** A whole iptables-restore input: kube-proxy's base chains and jumps, then every Service's rules. */
export function kubeProxyRestore(services: readonly KpService[], clusterCidr: string): string {
  const all = services.map((s) => serviceRules(s, clusterCidr));
  const natChains = ['KUBE-SERVICES', 'KUBE-MARK-MASQ', 'KUBE-POSTROUTING', ...new Set(all.flatMap((r) => r.natChains))];
  return [
    '*filter',
    ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':KUBE-PROXY-FIREWALL - [0:0]',
    ...['INPUT', 'OUTPUT', 'FORWARD'].map((c) => `-A ${c} -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL`),
    ...all.flatMap((r) => r.filter),
    'COMMIT',
    '*nat',
    ':PREROUTING ACCEPT [0:0]', ':INPUT ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':POSTROUTING ACCEPT [0:0]',
    ...natChains.map((c) => `:${c} - [0:0]`),
    '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
    '-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000',
    '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
    '-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000',
    '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE',
    ...all.flatMap((r) => r.nat),
    'COMMIT',
    '',
  ].join('\n');
}
