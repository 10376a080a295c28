/** NOTIFICATION helpers: the Shutdown Communication of RFC 9003 and the NOTIFICATION for a BgpError. */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../../src/lib/bytes.js';
import { BgpError } from '../../../../src/wire/bgp/error.js';
import {
  decodeShutdownCommunication, encodeShutdownCommunication, notificationFor, shutdownNotification,
} from '../../../../src/wire/bgp/notification.js';

describe('RFC 9003 Shutdown Communication', () => {
  it('is a length octet and UTF-8', () => {
    expect(toHex(encodeShutdownCommunication('drain ü'))).toBe('08' + toHex(new TextEncoder().encode('drain ü')));
  });
  it('round-trips through Cease 6/2 and 6/4', () => {
    for (const subcode of [2, 4] as const) expect(decodeShutdownCommunication(shutdownNotification(subcode, 'maintenance 🛠'))).toBe('maintenance 🛠');
  });
  it('is cut at 255 bytes on a character boundary', () => {
    const data = encodeShutdownCommunication('é'.repeat(200)); // 400 bytes of UTF-8
    expect(data[0]).toBe(254);
    expect(decodeShutdownCommunication({ type: 'notification', code: 6, subcode: 2, data })).toBe('é'.repeat(127));
  });
  it('is absent for other codes, an empty or overrunning length, or invalid UTF-8', () => {
    const n = (code: number, subcode: number, bytes: number[]) => ({ type: 'notification' as const, code, subcode, data: Uint8Array.from(bytes) });
    expect(decodeShutdownCommunication(n(6, 3, [1, 0x41]))).toBeUndefined();
    expect(decodeShutdownCommunication(n(6, 2, []))).toBeUndefined();
    expect(decodeShutdownCommunication(n(6, 2, [0]))).toBeUndefined();
    expect(decodeShutdownCommunication(n(6, 2, [5, 0x41]))).toBeUndefined();
    expect(decodeShutdownCommunication(n(6, 2, [2, 0xc3, 0x28]))).toBeUndefined();
  });
});

describe('notificationFor', () => {
  it('carries code, subcode and data of the error', () => {
    const e = new BgpError(3, 3, 'missing', Uint8Array.of(1));
    expect(notificationFor(e)).toEqual({ type: 'notification', code: 3, subcode: 3, data: Uint8Array.of(1) });
  });
});
