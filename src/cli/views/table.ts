/** Fixed-width text columns, the way FRR's vtysh prints its tables. */
export function pad(s: string | number, width: number, right = false): string {
  const t = String(s);
  // a value wider than its column keeps one space before the next column, as vtysh does
  if (t.length > width) return right ? t : `${t} `;
  return right ? t.padStart(width) : t.padEnd(width);
}

/** 00:23:12 below a day, 3d02h11m above, like FRR's peer uptime. */
export function upDown(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s >= 86400) return `${Math.floor(s / 86400)}d${String(Math.floor((s % 86400) / 3600)).padStart(2, '0')}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}
