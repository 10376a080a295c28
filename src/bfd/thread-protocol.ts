/**
 * The messages between the main thread and the BFD thread (worker.ts, thread.ts).
 */
import type { BfdPeerOptions, BfdSessionView } from './manager.js';
import type { UdpTransportOptions } from './transport.js';

export interface BfdThreadOptions {
  readonly transport: UdpTransportOptions;
  /** Report every dropped packet (for debug logging). */
  readonly reportDrops: boolean;
}

export type BfdCommand =
  | { readonly type: 'add'; readonly options: BfdPeerOptions }
  | { readonly type: 'remove'; readonly address: string }
  | { readonly type: 'admin'; readonly address: string; readonly down: boolean }
  | { readonly type: 'views'; readonly id: number }
  | { readonly type: 'close' };

export type BfdReport =
  | { readonly type: 'ready' }
  | { readonly type: 'failed'; readonly message: string; readonly code?: string }
  | { readonly type: 'error'; readonly message: string }
  | { readonly type: 'up'; readonly peer: string }
  | { readonly type: 'down'; readonly peer: string; readonly diag: number; readonly remoteAdminDown: boolean }
  | { readonly type: 'dropped'; readonly peer?: string; readonly reason: string }
  | { readonly type: 'views'; readonly id: number; readonly views: BfdSessionView[] }
  | { readonly type: 'closed' };
