/**
 * Byte reader and writer used by every codec (BGP, BFD, netlink).
 * Big-endian by default (network order); netlink codecs use the little-endian
 * variants (host order on the machines we target: x86_64 and arm64).
 */

/** Thrown when a reader runs past the end of its slice. Codecs translate it into their own errors. */
export class ShortBufferError extends Error {
  constructor(readonly wanted: number, readonly available: number) {
    super(`short buffer: wanted ${wanted} bytes, ${available} left`);
    this.name = 'ShortBufferError';
  }
}

export class Reader {
  private pos: number;
  private readonly end: number;

  constructor(readonly buf: Uint8Array, start = 0, end = buf.length) {
    this.pos = start;
    this.end = end;
  }

  get offset(): number { return this.pos; }
  get remaining(): number { return this.end - this.pos; }
  get atEnd(): boolean { return this.pos >= this.end; }

  private need(n: number): number {
    if (n < 0 || this.pos + n > this.end) throw new ShortBufferError(n, this.end - this.pos);
    const at = this.pos;
    this.pos += n;
    return at;
  }

  u8(): number { return this.buf[this.need(1)]!; }
  u16(): number { const a = this.need(2); return (this.buf[a]! << 8) | this.buf[a + 1]!; }
  u32(): number {
    const a = this.need(4);
    return ((this.buf[a]! << 24) >>> 0) + ((this.buf[a + 1]! << 16) | (this.buf[a + 2]! << 8) | this.buf[a + 3]!);
  }
  u16le(): number { const a = this.need(2); return this.buf[a]! | (this.buf[a + 1]! << 8); }
  u32le(): number {
    const a = this.need(4);
    return (this.buf[a]! | (this.buf[a + 1]! << 8) | (this.buf[a + 2]! << 16)) + ((this.buf[a + 3]! << 24) >>> 0);
  }
  i32le(): number { return this.u32le() | 0; }
  u64le(): bigint { const lo = BigInt(this.u32le()); const hi = BigInt(this.u32le()); return (hi << 32n) | lo; }
  u64(): bigint { const hi = BigInt(this.u32()); const lo = BigInt(this.u32()); return (hi << 32n) | lo; }
  f32(): number { const a = this.need(4); return new DataView(this.buf.buffer, this.buf.byteOffset + a, 4).getFloat32(0, false); }

  /** A view (no copy) of the next n bytes. */
  bytes(n: number): Uint8Array { const a = this.need(n); return this.buf.subarray(a, a + n); }
  /** A reader over the next n bytes; this reader moves past them. */
  sub(n: number): Reader { const a = this.need(n); return new Reader(this.buf, a, a + n); }
  skip(n: number): void { this.need(n); }
  rest(): Uint8Array { return this.bytes(this.remaining); }
}

export class Writer {
  private buf: Uint8Array;
  private pos = 0;

  constructor(initial = 256) { this.buf = new Uint8Array(initial); }

  get length(): number { return this.pos; }

  private room(n: number): number {
    if (this.pos + n > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < this.pos + n) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.buf.subarray(0, this.pos));
      this.buf = next;
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  u8(v: number): this { this.buf[this.room(1)] = v & 0xff; return this; }
  u16(v: number): this { const a = this.room(2); this.buf[a] = (v >>> 8) & 0xff; this.buf[a + 1] = v & 0xff; return this; }
  u32(v: number): this {
    const a = this.room(4);
    this.buf[a] = (v >>> 24) & 0xff; this.buf[a + 1] = (v >>> 16) & 0xff; this.buf[a + 2] = (v >>> 8) & 0xff; this.buf[a + 3] = v & 0xff;
    return this;
  }
  u16le(v: number): this { const a = this.room(2); this.buf[a] = v & 0xff; this.buf[a + 1] = (v >>> 8) & 0xff; return this; }
  u32le(v: number): this {
    const a = this.room(4);
    this.buf[a] = v & 0xff; this.buf[a + 1] = (v >>> 8) & 0xff; this.buf[a + 2] = (v >>> 16) & 0xff; this.buf[a + 3] = (v >>> 24) & 0xff;
    return this;
  }
  u64le(v: bigint): this { this.u32le(Number(v & 0xffffffffn)); return this.u32le(Number((v >> 32n) & 0xffffffffn)); }
  u64(v: bigint): this { this.u32(Number((v >> 32n) & 0xffffffffn)); return this.u32(Number(v & 0xffffffffn)); }
  f32(v: number): this { const a = this.room(4); new DataView(this.buf.buffer, this.buf.byteOffset + a, 4).setFloat32(0, v, false); return this; }
  bytes(b: Uint8Array): this { const at = this.room(b.length); this.buf.set(b, at); return this; }
  zeros(n: number): this { const at = this.room(n); this.buf.fill(0, at, this.pos); return this; }

  /** Reserve n bytes to be filled later with patchU8/patchU16/patchU32; returns their offset. */
  reserve(n: number): number { return this.room(n); }
  patchU8(at: number, v: number): void { this.buf[at] = v & 0xff; }
  patchU16(at: number, v: number): void { this.buf[at] = (v >>> 8) & 0xff; this.buf[at + 1] = v & 0xff; }
  patchU16le(at: number, v: number): void { this.buf[at] = v & 0xff; this.buf[at + 1] = (v >>> 8) & 0xff; }
  patchU32le(at: number, v: number): void {
    this.buf[at] = v & 0xff; this.buf[at + 1] = (v >>> 8) & 0xff; this.buf[at + 2] = (v >>> 16) & 0xff; this.buf[at + 3] = (v >>> 24) & 0xff;
  }

  /** The written bytes (a view; the writer must not be reused afterwards). */
  finish(): Uint8Array { return this.buf.subarray(0, this.pos); }
}

export function toHex(b: Uint8Array): string { return Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex'); }
export function fromHex(s: string): Uint8Array { return new Uint8Array(Buffer.from(s.replace(/[\s_:]/g, ''), 'hex')); }
