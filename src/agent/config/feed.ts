/**
 * Where the agent's configuration comes from, and how a new one reaches it without a restart: the
 * `--config` file (any of the three formats, load.ts), read again when it changes on disk (watched,
 * debounced) or on SIGHUP; MetalLB's objects in the cluster (source/metallb.ts). A configuration with
 * problems changes nothing: each problem is logged with its field, and the one in force stays.
 */
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../../config/error.js';
import type { Logger } from '../../lib/log.js';
import { watchFile, type FileWatch } from '../source/watch-file.js';
import { parseAgentConfig } from './load.js';
import type { AgentConfig } from './model.js';

/** The outcome of the last configuration read (MetalLB's ConfigurationState: Valid or Invalid, with why). */
export interface ConfigStatus {
  readonly valid: boolean;
  /** "path: message" of each problem of the last configuration read (it was not applied). */
  readonly errors: readonly string[];
  /** Of the configuration in force. */
  readonly warnings: readonly string[];
}

export interface ConfigFeed {
  /** The first valid configuration: read at once (a file; problems throw ConfigError) or awaited (the cluster). */
  first(): Promise<AgentConfig>;
  /** How the last read went. */
  readonly status: ConfigStatus;
  /** From now on, `onConfig` gets each new valid configuration. */
  watch(onConfig: (c: AgentConfig) => void): void;
  /** Read again now (SIGHUP). */
  reload(): Promise<void>;
  close(): Promise<void>;
}

/** Each problem of a configuration that was not applied, with its field. */
export function logRejected(log: Logger, e: ConfigError): void {
  for (const i of e.issues) log.error({ source: e.source, field: i.path || '(top)' }, `configuration not applied, the one in force stays: ${i.path || '(top)'}: ${i.message}`);
}

/** The file's text, or undefined (logged) when it cannot be read. */
export async function readConfigText(path: string, log: Logger): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    log.error({ path, err: (e as Error).message }, 'cannot read the configuration file; the one in force stays');
    return undefined;
  }
}

/** `parse(text)`, or undefined when it has problems (each logged with its field, and given to `rejected`). */
export function parseOrLog<T>(parse: (text: string, source: string) => T, text: string, source: string, log: Logger, rejected?: (e: ConfigError) => void): T | undefined {
  try {
    return parse(text, source);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    logRejected(log, e);
    rejected?.(e);
    return undefined;
  }
}

/** The status after a read: the new configuration applied, or refused with its problems (the one in force stays). */
export function statusAfter(cfg: AgentConfig | undefined, previous: ConfigStatus, refused?: ConfigError): ConfigStatus {
  if (cfg) return { valid: true, errors: [], warnings: cfg.warnings };
  return { valid: false, errors: (refused?.issues ?? []).map((i) => `${i.path || '(top)'}: ${i.message}`), warnings: previous.warnings };
}

export class FileConfigFeed implements ConfigFeed {
  status: ConfigStatus = { valid: false, errors: [], warnings: [] };
  private lastText?: string;
  private forced = false;
  private watcher?: FileWatch;
  private onConfig?: (c: AgentConfig) => void;

  constructor(private readonly path: string, private readonly log: Logger, private readonly debounceMs = 200) {}

  async first(): Promise<AgentConfig> {
    const text = await readFile(this.path, 'utf8');
    const cfg = parseAgentConfig(text, this.path);
    this.lastText = text;
    this.status = statusAfter(cfg, this.status);
    return cfg;
  }

  watch(onConfig: (c: AgentConfig) => void): void {
    this.onConfig = onConfig;
    this.watcher = watchFile(this.path, this.debounceMs, () => this.read());
  }

  reload(): Promise<void> {
    this.forced = true;
    return this.watcher?.trigger() ?? Promise.resolve();
  }

  /** A change on disk to the same text (editors write twice) is not a new configuration, valid or not; SIGHUP always is. */
  private async read(): Promise<void> {
    const always = this.forced;
    this.forced = false;
    const text = await readConfigText(this.path, this.log);
    if (text === undefined || (!always && text === this.lastText)) return;
    this.lastText = text;
    let refused: ConfigError | undefined;
    const cfg = parseOrLog(parseAgentConfig, text, this.path, this.log, (e) => { refused = e; });
    this.status = statusAfter(cfg, this.status, refused);
    if (cfg) this.onConfig?.(cfg);
  }

  async close(): Promise<void> { await this.watcher?.close(); }
}
