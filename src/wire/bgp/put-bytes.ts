/**
 * Appending bytes to a Writer. Writer.bytes() in src/lib/bytes.ts copies into the old buffer when the
 * writer has to grow (it reads `this.buf` before `room()` replaces it) and then throws, so the BGP codecs
 * append through reserve() + patchU8(), which grow correctly, until that is fixed.
 */
import type { Writer } from '../../lib/bytes.js';

export function putBytes(w: Writer, b: Uint8Array): Writer {
  const at = w.reserve(b.length);
  for (let i = 0; i < b.length; i++) w.patchU8(at + i, b[i]!);
  return w;
}
