import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlServer, groupId } from '../../../src/control/server.js';
import { ControlError, controlClient } from '../../../src/control/client.js';
import type { CommandSpec, NoArgs } from '../../../src/control/protocol.js';

/** The server's commands, and one it does not have ("show other"), which the client may still send. */
type Served = { 'show thing': CommandSpec<{ x?: number }, { echo: unknown }>; fail: CommandSpec<NoArgs, never> };
type Asked = Served & { 'show other': CommandSpec<NoArgs, unknown> };

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

function tmp(): string { const d = mkdtempSync(join(tmpdir(), 'vg-control-')); dirs.push(d); return d; }

describe('control socket', () => {
  it('answers registered commands, names unknown ones, and is only for its owner and group (0660)', async () => {
    const path = join(tmp(), 'sub', 'control.sock');
    const server = new ControlServer<Served>(path);
    const client = controlClient<Asked>(path);
    server.handle('show thing', (args) => ({ echo: args.x ?? null }));
    server.handle('fail', () => { throw new Error('nope'); });
    await server.listen();
    try {
      expect(statSync(path).mode & 0o777).toBe(0o660);
      expect(await client.call('show thing', { x: 1 })).toEqual({ echo: 1 });
      await expect(client.call('show other')).rejects.toThrow(/unknown command "show other"; known: fail, show thing/);
      await expect(client.call('fail')).rejects.toThrow(ControlError);
    } finally {
      await server.close();
    }
    await expect(client.call('show thing', {}, 1000)).rejects.toThrow(/is the daemon running/);
  });

  it('finds a group id in a group file', () => {
    const f = join(tmp(), 'group');
    writeFileSync(f, 'root:x:0:\nvipgate:x:997:alice,bob\n');
    expect(groupId('vipgate', f)).toBe(997);
    expect(groupId('nobody-here', f)).toBeUndefined();
    expect(groupId('vipgate', join(tmp(), 'missing'))).toBeUndefined();
  });
});

describe('the command map types both ends', () => {
  it('a handler must answer its command\'s reply, a client gets that type and must send its arguments', () => {
    const server = new ControlServer<Served>(join(tmp(), 'never-listens.sock'));
    // @ts-expect-error the reply of 'show thing' is { echo }, not { wrong }
    server.handle('show thing', () => ({ wrong: 1 }));
    // @ts-expect-error no such command in the map
    server.handle('show nothing', () => ({}));
    const client = controlClient<Served>(join(tmp(), 'absent.sock'));
    // @ts-expect-error x is a number
    void client.call('show thing', { x: 'one' }).catch(() => undefined);
    expect(client.path).toMatch(/absent\.sock$/);
  });
});
