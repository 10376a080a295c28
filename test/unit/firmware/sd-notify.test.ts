/**
 * src/lib/sd-notify.ts against the real `systemd-notify` program: a receiver (notify-receiver.py) binds
 * a datagram socket in a temporary directory, as systemd's NOTIFY_SOCKET, and records what arrives.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/lib/clock.js';
import { SdNotify, runSystemdNotify } from '../../../src/lib/sd-notify.js';
import { waitFor } from '../../helpers/netns.js';

const dir = mkdtempSync(join(tmpdir(), 'vipgate-sdnotify-'));
const socketPath = join(dir, 'notify.sock');
let receiver: ChildProcessByStdio<null, Readable, null>;
const received: string[] = [];

beforeAll(async () => {
  receiver = spawn('/usr/bin/python3', [join(import.meta.dirname, 'notify-receiver.py'), socketPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  let buf = '';
  let listening = false;
  receiver.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const line = JSON.parse(buf.slice(0, nl)) as { listening?: boolean; message?: string };
      buf = buf.slice(nl + 1);
      if (line.listening) listening = true;
      if (line.message !== undefined) received.push(line.message);
    }
  });
  await waitFor('the notify receiver to listen', () => (listening ? true : undefined), 10_000);
});

afterAll(() => {
  receiver.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

/** Messages other than systemd-notify's own barrier round trips. */
const payloads = () => received.filter((m) => m !== 'BARRIER=1');
const watchdogs = () => payloads().filter((m) => m === 'WATCHDOG=1').length;

describe('SdNotify', () => {
  it('is absent when systemd did not start us with NOTIFY_SOCKET', () => {
    expect(SdNotify.fromEnv({ clock: new FakeClock(), env: {} })).toBeUndefined();
  });

  it('sends READY=1 with the status, STATUS= and STOPPING=1 through systemd-notify', async () => {
    received.length = 0;
    const sd = SdNotify.fromEnv({ clock: new FakeClock(), env: { NOTIFY_SOCKET: socketPath, PATH: process.env.PATH } })!;
    expect(sd.watchdogMs).toBeUndefined();
    await sd.ready('2 neighbors');
    await sd.status('reloading');
    await sd.stopping();
    // systemd-notify returns only once the receiver closed the barrier's descriptor: all three are there
    expect(payloads()).toEqual(['READY=1\nSTATUS=2 neighbors', 'STATUS=reloading', 'STOPPING=1']);
    expect(received.filter((m) => m === 'BARRIER=1')).toHaveLength(3);
  });

  it('pings WATCHDOG=1 every half WATCHDOG_USEC after READY, until STOPPING', async () => {
    received.length = 0;
    const clock = new FakeClock();
    const errors: Error[] = [];
    const sd = SdNotify.fromEnv({
      clock, pid: 4242, onError: (e) => errors.push(e),
      env: { NOTIFY_SOCKET: socketPath, WATCHDOG_USEC: '30000000', WATCHDOG_PID: '4242', PATH: process.env.PATH },
    })!;
    expect(sd.watchdogMs).toBe(15_000);
    await sd.ready();
    clock.advance(14_999);
    clock.advance(1);
    await waitFor('the first WATCHDOG=1', () => (watchdogs() === 1 ? true : undefined), 10_000);
    clock.advance(15_000);
    await waitFor('the second WATCHDOG=1', () => (watchdogs() === 2 ? true : undefined), 10_000);
    await sd.stopping();
    clock.advance(60_000);
    await runSystemdNotify(['STATUS=marker'], { NOTIFY_SOCKET: socketPath, PATH: process.env.PATH });
    expect(payloads()).toEqual(['READY=1', 'WATCHDOG=1', 'WATCHDOG=1', 'STOPPING=1', 'STATUS=marker']);
    expect(errors).toEqual([]);
  });

  it('does not ping when the watchdog is meant for another process (WATCHDOG_PID)', () => {
    const sd = SdNotify.fromEnv({ clock: new FakeClock(), pid: 1, env: { NOTIFY_SOCKET: socketPath, WATCHDOG_USEC: '30000000', WATCHDOG_PID: '2' } })!;
    expect(sd.watchdogMs).toBeUndefined();
  });

  it('rejects with systemd-notify\'s reason when nobody listens', async () => {
    const sd = SdNotify.fromEnv({ clock: new FakeClock(), env: { NOTIFY_SOCKET: join(dir, 'nobody.sock'), PATH: process.env.PATH } })!;
    await expect(sd.ready()).rejects.toThrow(/systemd-notify --ready/);
  });
});
