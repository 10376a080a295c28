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

export interface ConfigFeed {
  /** The first valid configuration: read at once (a file; problems throw ConfigError) or awaited (the cluster). */
  first(): Promise<AgentConfig>;
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

/** `text` read from `path` and parsed with `parse`; undefined (logged) when unreadable or invalid. */
export async function readConfigFile<T>(path: string, parse: (text: string, source: string) => T, log: Logger): Promise<{ text: string; value: T } | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    log.error({ path, err: (e as Error).message }, 'cannot read the configuration file; the one in force stays');
    return undefined;
  }
  try {
    return { text, value: parse(text, path) };
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    logRejected(log, e);
    return undefined;
  }
}

export class FileConfigFeed implements ConfigFeed {
  private lastText?: string;
  private forced = false;
  private watcher?: FileWatch;
  private onConfig?: (c: AgentConfig) => void;

  constructor(private readonly path: string, private readonly log: Logger, private readonly debounceMs = 200) {}

  async first(): Promise<AgentConfig> {
    const text = await readFile(this.path, 'utf8');
    const cfg = parseAgentConfig(text, this.path);
    this.lastText = text;
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

  /** A change on disk with the same text (editors write twice) is not a new configuration; SIGHUP always is. */
  private async read(): Promise<void> {
    const always = this.forced;
    this.forced = false;
    const r = await readConfigFile(this.path, parseAgentConfig, this.log);
    if (!r || (!always && r.text === this.lastText)) return;
    this.lastText = r.text;
    this.onConfig?.(r.value);
  }

  async close(): Promise<void> { await this.watcher?.close(); }
}
