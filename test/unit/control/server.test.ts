import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlServer, groupId } from '../../../src/control/server.js';
import { ControlError, request } from '../../../src/control/client.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

function tmp(): string { const d = mkdtempSync(join(tmpdir(), 'vg-control-')); dirs.push(d); return d; }

describe('control socket', () => {
  it('answers registered commands, names unknown ones, and is only for its owner and group (0660)', async () => {
    const path = join(tmp(), 'sub', 'control.sock');
    const server = new ControlServer(path);
    server.handle('show thing', (args) => ({ echo: args.x ?? null }));
    server.handle('fail', () => { throw new Error('nope'); });
    await server.listen();
    try {
      expect(statSync(path).mode & 0o777).toBe(0o660);
      expect(await request(path, 'show thing', { x: 1 })).toEqual({ echo: 1 });
      await expect(request(path, 'show other')).rejects.toThrow(/unknown command "show other"; known: fail, show thing/);
      await expect(request(path, 'fail')).rejects.toThrow(ControlError);
    } finally {
      await server.close();
    }
    await expect(request(path, 'show thing', {}, 1000)).rejects.toThrow(/is the daemon running/);
  });

  it('finds a group id in a group file', () => {
    const f = join(tmp(), 'group');
    writeFileSync(f, 'root:x:0:\nvipgate:x:997:alice,bob\n');
    expect(groupId('vipgate', f)).toBe(997);
    expect(groupId('nobody-here', f)).toBeUndefined();
    expect(groupId('vipgate', join(tmp(), 'missing'))).toBeUndefined();
  });
});
