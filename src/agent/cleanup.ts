/**
 * `vipgate agent cleanup [--config FILE] [--state-file FILE] [--interface NAME] [--proc-sys DIR]`: undo on
 * this node what the agent's IPVS data plane recorded (src/agent/ipvs/ownership.ts): its virtual
 * services, its Service IPs, its dummy interface if it made it, its nftables table, and the sysctls'
 * earlier values; then the record goes. For an uninstall, or a node where the agent is gone. The settings
 * come from the agent's config file (its `ipvs` section; a MetalLB settings-only file works too), the flags
 * override them, the defaults fill in the rest. Prints what was undone; exit 0, 1 when something could not
 * be undone (the record is kept so that a second run can finish), 3 for a bad config file.
 */
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../config/error.js';
import { createLogger } from '../lib/log.js';
import { parseAgentConfig, parseAgentSettings } from './config/load.js';
import type { IpvsConfig } from './config/model.js';
import { cleanupIpvs } from './ipvs/control.js';
import { DEFAULT_INTERFACE, DEFAULT_PROC_SYS, DEFAULT_STATE_FILE } from './ipvs/defaults.js';

export interface CleanupArgs {
  readonly config?: string | undefined;
  readonly stateFile?: string | undefined;
  readonly interface?: string | undefined;
  readonly procSys?: string | undefined;
}

async function configured(file: string): Promise<IpvsConfig | undefined> {
  const text = await readFile(file, 'utf8');
  try {
    return parseAgentConfig(text, file).ipvs;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    try { return parseAgentSettings(text, file).ipvs; } catch { throw e; }
  }
}

export async function runAgentCleanup(a: CleanupArgs, out: (s: string) => void): Promise<number> {
  let cfg: IpvsConfig | undefined;
  try {
    cfg = a.config ? await configured(a.config) : undefined;
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return e instanceof ConfigError ? 3 : 1;
  }
  const log = createLogger('vipgate-agent-cleanup', 'warn');
  const stateFile = a.stateFile ?? cfg?.stateFile ?? DEFAULT_STATE_FILE;
  const r = await cleanupIpvs({ log, stateFile, interface: a.interface ?? cfg?.interface ?? DEFAULT_INTERFACE, procSys: a.procSys ?? cfg?.procSys ?? DEFAULT_PROC_SYS });
  const list = (xs: readonly string[]): string => (xs.length > 0 ? xs.join(', ') : 'none');
  out(`virtual services removed: ${list(r.removed)}\nService IPs removed: ${list(r.addresses)}\n`
    + `interface removed: ${r.interfaceRemoved ? 'yes' : 'no'}\nnftables table removed: ${r.nftTableRemoved ? 'yes' : 'no'}\n`
    + `sysctls restored: ${list(r.sysctlsRestored)}\n${r.errors.map((e) => `error: ${e.service}: ${e.error}\n`).join('')}`
    + `${r.errors.length > 0 ? `record kept: ${stateFile}` : `record removed: ${stateFile}`}\n`);
  return r.errors.length > 0 ? 1 : 0;
}
