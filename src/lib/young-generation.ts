/**
 * The size of V8's young generation (the new space: two semi-spaces that every allocation goes through).
 * V8 grows it up to 2 x 16 MiB as soon as start-up allocates quickly (module loading, config parsing), and an
 * idle daemon keeps it: that was 16-32 MiB of an idle router's or agent's RSS. The daemons start with
 * growth off (`--semi-space-growth-factor=1`, read by V8 whenever it considers growing, and Node does not
 * freeze V8 flags after start, so v8.setFlagsFromString takes effect at once) and turn it back on (V8's
 * default factor, 2) when real work arrives, e.g. a large table: a small young generation there would
 * cost scavenges and promotions on the convergence path.
 */
import { setFlagsFromString } from 'node:v8';

/** V8's default --semi-space-growth-factor. */
const V8_DEFAULT_GROWTH = 2;

let small = false;

/** Keep the young generation at its initial size (the daemons' start). */
export function keepYoungGenerationSmall(): void {
  if (small) return;
  setFlagsFromString('--semi-space-growth-factor=1');
  small = true;
}

/** Let V8 grow the young generation again (heavy allocation ahead: a full table arriving). */
export function allowYoungGenerationGrowth(): void {
  if (!small) return;
  setFlagsFromString(`--semi-space-growth-factor=${V8_DEFAULT_GROWTH}`);
  small = false;
}
