/**
 * The reason the configuration on the appliance's boot partition was not applied. At every boot the
 * box's vipgate-config.service (firmware/usr/lib/vipgate/config-import.sh) checks the vipgate.yaml the
 * user edited and, if it is wrong, writes why to /run/vipgate/config-error.txt instead of installing it;
 * the status page shows that text, since the user has no console on the box. No file: nothing to show.
 */
import { open, type FileHandle } from 'node:fs/promises';

/** Where the appliance's config import writes its rejections. */
export const CONFIG_ERROR_FILE = '/run/vipgate/config-error.txt';

/** At most this much of the file is shown (the import writes a few lines). */
const MAX_BYTES = 8192;

/** The file's text, trimmed; undefined when there is no file or it is empty. */
export async function readConfigError(path: string): Promise<string | undefined> {
  let file: FileHandle | undefined;
  try {
    file = await open(path, 'r');
    const buf = Buffer.alloc(MAX_BYTES);
    const { bytesRead } = await file.read(buf, 0, MAX_BYTES, 0);
    const text = buf.subarray(0, bytesRead).toString('utf8').trim();
    return text === '' ? undefined : bytesRead === MAX_BYTES ? `${text}\n…` : text;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return `${path} cannot be read: ${(e as Error).message}`;
  } finally {
    await file?.close();
  }
}
