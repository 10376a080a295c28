/**
 * How a configuration block turns a session feature on, for the router's neighbors and groups and the
 * agent's peers alike: as FRR's `neighbor X bfd` does, a block that configures the feature (bfd, probe,
 * gracefulRestart) turns it on unless it says `enabled: false`; where layers stack (a group, then the
 * neighbor), the most specific layer that says `enabled` decides. Settings written in a block whose
 * feature ends up off do nothing: inertSettings() names them, for a warning. (Blocks whose `enabled` is an
 * action taken now, the router's gracefulShutdown or a neighbor's drain, keep their explicit switch.)
 */
import type { ConfigIssue } from './error.js';

/** A block as written: its `enabled` (if said) and its other settings. */
export type FeatureBlock = { readonly enabled?: boolean | undefined } & Readonly<Record<string, unknown>>;

/** On or off, from the layers' blocks, least specific first (absent layers: undefined). */
export function featureOn(blocks: readonly (FeatureBlock | undefined)[]): boolean {
  const said = blocks.findLast((b) => b?.enabled !== undefined);
  return said ? said.enabled === true : blocks.some((b) => b !== undefined);
}

/** The settings of a block besides `enabled` that were written (undefined values are not written). */
export function writtenSettings(block: FeatureBlock | undefined): string[] {
  return Object.entries(block ?? {}).filter(([k, v]) => k !== 'enabled' && v !== undefined).map(([k]) => k);
}

/**
 * A warning naming the settings of `block` (at `path`) that do nothing because `feature` is off, or
 * undefined when it is on or the block sets nothing else.
 */
export function inertSettings(path: string, feature: string, block: FeatureBlock | undefined, on: boolean, why = 'enabled: false'): ConfigIssue | undefined {
  const keys = writtenSettings(block);
  if (on || keys.length === 0) return undefined;
  return { path, message: `${keys.join(', ')} ${keys.length === 1 ? 'does' : 'do'} nothing: ${feature} is off (${why})` };
}
