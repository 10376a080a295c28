/**
 * The shared libraries an ELF64 little-endian executable or library needs (DT_NEEDED), read from its
 * dynamic segment, so the VM image can carry exactly the libraries its programs load.
 */
import { readFileSync } from 'node:fs';

const PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3;
const DT_NULL = 0n, DT_NEEDED = 1n, DT_STRTAB = 5n;

export interface ElfDeps {
  readonly needed: string[];
  /** The program interpreter (dynamic loader), for executables. */
  readonly interpreter?: string;
}

export function elfDeps(file: string): ElfDeps {
  const b = readFileSync(file);
  if (b.readUInt32BE(0) !== 0x7f454c46 || b[4] !== 2 || b[5] !== 1) throw new Error(`${file}: not an ELF64 little-endian file`);
  const phoff = Number(b.readBigUInt64LE(0x20));
  const phentsize = b.readUInt16LE(0x36);
  const phnum = b.readUInt16LE(0x38);
  const loads: { vaddr: bigint; offset: bigint; filesz: bigint }[] = [];
  let dyn: { offset: number; size: number } | undefined;
  let interpreter: string | undefined;
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    const type = b.readUInt32LE(p);
    const offset = b.readBigUInt64LE(p + 8);
    const vaddr = b.readBigUInt64LE(p + 16);
    const filesz = b.readBigUInt64LE(p + 32);
    if (type === PT_LOAD) loads.push({ vaddr, offset, filesz });
    if (type === PT_DYNAMIC) dyn = { offset: Number(offset), size: Number(filesz) };
    if (type === PT_INTERP) interpreter = b.toString('latin1', Number(offset), Number(offset + filesz)).replace(/\0.*$/, '');
  }
  if (!dyn) return { needed: [], ...(interpreter ? { interpreter } : {}) };
  const entries: [bigint, bigint][] = [];
  for (let p = dyn.offset; p + 16 <= dyn.offset + dyn.size; p += 16) {
    const tag = b.readBigInt64LE(p);
    if (tag === DT_NULL) break;
    entries.push([tag, b.readBigUInt64LE(p + 8)]);
  }
  const strtabAddr = entries.find(([t]) => t === DT_STRTAB)?.[1];
  if (strtabAddr === undefined) throw new Error(`${file}: dynamic segment without DT_STRTAB`);
  const seg = loads.find((l) => strtabAddr >= l.vaddr && strtabAddr < l.vaddr + l.filesz);
  if (!seg) throw new Error(`${file}: DT_STRTAB outside the loaded segments`);
  const strtab = Number(strtabAddr - seg.vaddr + seg.offset);
  const str = (off: bigint): string => {
    const start = strtab + Number(off);
    return b.toString('latin1', start, b.indexOf(0, start));
  };
  return { needed: entries.filter(([t]) => t === DT_NEEDED).map(([, v]) => str(v)), ...(interpreter ? { interpreter } : {}) };
}
