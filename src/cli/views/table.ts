/** Fixed-width text columns, the way FRR's vtysh prints its tables. */
export function pad(s: string | number, width: number, right = false): string {
  const t = String(s);
  // a value wider than its column keeps one space before the next column, as vtysh does
  if (t.length > width) return right ? t : `${t} `;
  return right ? t.padStart(width) : t.padEnd(width);
}

/** FRR's peer uptime (bgpd peer_uptime): 00:23:12 below a day, 3d02h11m below a week, 02w3d04h below a year, then 01y02w3d. */
export function upDown(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const two = (n: number) => String(n).padStart(2, '0');
  const days = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (days === 0) return `${two(h)}:${two(m)}:${two(s % 60)}`;
  if (days < 7) return `${days}d${two(h)}h${two(m)}m`;
  if (days < 365) return `${two(Math.floor(days / 7))}w${days % 7}d${two(h)}h`;
  const yday = days % 365;
  return `${two(Math.floor(days / 365))}y${two(Math.floor(yday / 7))}w${yday % 7}d`;
}

/** FRR's byte counts (lib mtype_memstr): "N bytes" up to 10 KiB, then "N KiB", above 10 MiB "N MiB", rounded. */
export function memoryText(bytes: number): string {
  if (bytes === 0) return '0 bytes';
  if (bytes === 1) return '1 byte';
  if (bytes > 0x7fffffff) return '> 2GB';
  const m = Math.floor(bytes / 2 ** 20);
  const k = Math.floor(bytes / 2 ** 10);
  if (m > 10) return `${m + ((bytes & 2 ** 19) ? 1 : 0)} MiB`;
  if (k > 10) return `${k + ((bytes & 2 ** 9) ? 1 : 0)} KiB`;
  return `${bytes} bytes`;
}
