/** Reading ipvsadm's output in the VM tests. */

/** `ipvsadm -Ln` as { "TCP 172.20.1.10:80 wrr": ["10.1.0.11:8080 Masq 2", ...] } (connection counts left out). */
export function listing(text: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  let current: string[] | undefined;
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (/^(TCP|UDP|SCTP|FWM)$/.test(f[0] ?? '')) { current = []; out[f.join(' ')] = current; }
    else if (f[0] === '->' && f[1] !== 'RemoteAddress:Port') current?.push(f.slice(1, 4).join(' '));
  }
  return out;
}

/** `ipvsadm -Ln --stats` as { "TCP 172.20.1.10:80": { conns, inPkts }, "-> 10.42.1.11:8080": ... } per virtual service. */
export function stats(text: string): Record<string, { conns: number; inPkts: number; dests: Record<string, { conns: number; inPkts: number }> }> {
  const out: ReturnType<typeof stats> = {};
  let current: ReturnType<typeof stats>[string] | undefined;
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (/^(TCP|UDP|SCTP|FWM)$/.test(f[0] ?? '') && f.length >= 4) {
      current = { conns: Number(f[2]), inPkts: Number(f[3]), dests: {} };
      out[`${f[0]} ${f[1]}`] = current;
    } else if (f[0] === '->' && f.length >= 4 && current) current.dests[f[1]!] = { conns: Number(f[2]), inPkts: Number(f[3]) };
  }
  return out;
}
