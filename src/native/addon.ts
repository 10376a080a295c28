/**
 * Loads the native addon (build/Release/vipgate_native.node, built by `node-gyp rebuild`, which npm ci runs
 * because binding.gyp sits at the repository root) and gives its functions types. Only src/native uses it.
 */
import { createRequire } from 'node:module';

/** Opaque handle of a readiness watcher (a libuv uv_poll). */
export interface WatchHandle { readonly __watch: unique symbol }

export interface NativeAddon {
  socket(protocol: number, groups: number): number;
  portId(fd: number): number;
  /** An unconnected TCP socket of family 4 or 6 (for options that must be set before connect). */
  tcpSocket(family: 4 | 6): number;
  setsockoptInt(fd: number, level: number, name: number, value: number): void;
  setsockopt(fd: number, level: number, name: number, value: Uint8Array): void;
  getsockopt(fd: number, level: number, name: number, maxLength: number): Buffer;
  /** SO_ATTACH_FILTER: struct sock_filter entries, 8 bytes each. */
  attachFilter(fd: number, program: Uint8Array): void;
  /** All buffers go out as one datagram (one sendmsg with an iovec per buffer, at most 1024). */
  sendmsg(fd: number, buffers: readonly Uint8Array[]): number;
  /** Bytes read, or -1 when nothing is queued. */
  recv(fd: number, into: Uint8Array): number;
  close(fd: number): void;
  watch(fd: number, onReadable: (status: number) => void): WatchHandle;
  unwatch(handle: WatchHandle): void;
  ref(handle: WatchHandle, on: boolean): void;
}

const require = createRequire(import.meta.url);
// src/native/addon.ts and dist/native/addon.js both sit two levels below the repository root.
const ADDON_PATH = '../../build/Release/vipgate_native.node';

function load(): NativeAddon {
  try {
    return require(ADDON_PATH) as NativeAddon;
  } catch (e) {
    throw new Error(`cannot load the native addon ${ADDON_PATH} (npm ci builds it; or run \`npx node-gyp rebuild\`): ${(e as Error).message}`, { cause: e });
  }
}

export const addon = load();

/** The errno name (e.g. "ENOBUFS") of an error thrown by the addon, or undefined for other errors. */
export function errnoName(e: unknown): string | undefined {
  if (e instanceof Error && typeof (e as NodeJS.ErrnoException).errno === 'number') return (e as NodeJS.ErrnoException).code;
  return undefined;
}
