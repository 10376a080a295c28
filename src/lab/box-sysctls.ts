/**
 * The box's shipped sysctl file (firmware/etc/sysctl.d/90-vipgate.conf, or the box's own copy) as the lab
 * applies it to a router's namespace: its redirect lines, globs included, with `sysctl -p` (which expands
 * globs as systemd-sysctl does), so that the lab's routers send no ICMP redirects for the reason the box
 * sends none.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { inNs } from './ns.js';
import { LAB_DIR } from './topology.js';

const SYSCTL_FILES = [fileURLToPath(new URL('../../firmware/etc/sysctl.d/90-vipgate.conf', import.meta.url)), '/etc/sysctl.d/90-vipgate.conf'];

/** The shipped file's redirect lines. */
function shippedRedirectLines(): string {
  const file = SYSCTL_FILES.find((f) => existsSync(f));
  if (file === undefined) throw new Error(`the box's sysctl file is not at ${SYSCTL_FILES.join(' or ')}`);
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => /^\s*net\.ipv[46]\.conf\.[^=]*redirects\s*=/.test(l));
  if (lines.length === 0) throw new Error(`${file} has no redirect settings`);
  return `${lines.join('\n')}\n`;
}

/** Apply the shipped redirect settings in `ns`. */
export function applyShippedRedirects(ns: string): void {
  const file = `${LAB_DIR}/redirects.conf`;
  writeFileSync(file, shippedRedirectLines());
  inNs(ns, 'sysctl', ['-qp', file]);
}
