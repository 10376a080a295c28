/**
 * A writer for the "newc" cpio format the kernel unpacks as its initramfs (Documentation/driver-api/
 * early-userspace/buffer-format.rst): a 110-byte ASCII header per entry, name and data padded to 4 bytes,
 * ended by the TRAILER!!! entry. Several archives concatenated form one initramfs.
 */

export interface CpioEntry {
  readonly path: string;
  /** File mode including the type bits (0o100755 file, 0o040755 directory, 0o120777 symlink). */
  readonly mode: number;
  /** File content, or the link target for a symlink. */
  readonly data?: Uint8Array;
}

const enc = new TextEncoder();
const hex8 = (n: number): string => n.toString(16).padStart(8, '0');
const pad4 = (n: number): number => (4 - (n % 4)) % 4;

export function cpioArchive(entries: readonly CpioEntry[]): Buffer {
  const parts: Uint8Array[] = [];
  let ino = 1;
  const add = (path: string, mode: number, data: Uint8Array): void => {
    const name = enc.encode(`${path}\0`);
    const fields = [ino++, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, name.length, 0];
    const header = enc.encode(`070701${fields.map(hex8).join('')}`);
    parts.push(header, name, new Uint8Array(pad4(header.length + name.length)), data, new Uint8Array(pad4(data.length)));
  };
  for (const e of entries) add(e.path.replace(/^\/+/, ''), e.mode, e.data ?? new Uint8Array(0));
  add('TRAILER!!!', 0, new Uint8Array(0));
  const out = Buffer.concat(parts);
  return Buffer.concat([out, new Uint8Array(pad4(out.length) + ((512 - ((out.length + pad4(out.length)) % 512)) % 512))]);
}
