/**
 * The control socket answers root and members of the group vipgate only (mode 0660, group vipgate): a user
 * made for the test, not in the group, is refused by the kernel when `vipgate show` connects; a second user
 * in the group is answered, and so is root. Users (and the group, if the test had to create it) are removed
 * afterwards. The socket's directory is opened to everyone (as /run/vipgate is), so that only the socket's
 * own mode and group decide.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, Netlab } from '../helpers/netns.js';
import { CLI, VipgateRouter } from '../helpers/vipgate.js';
import { CONTROL_GROUP, groupId } from '../../src/control/server.js';

function cliAs(user: string, socket: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('setpriv', ['--reuid', user, '--regid', user, '--init-groups', process.execPath, CLI, 'show', 'bgp', 'summary', '--json', '--socket', socket],
    { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.runIf(isRoot())('control socket: root and group vipgate only', () => {
  const lab = new Netlab();
  const outsider = `vgt${lab.tag}o`;
  const member = `vgt${lab.tag}m`;
  let createdGroup = false;
  let router: VipgateRouter;

  beforeAll(async () => {
    if (groupId(CONTROL_GROUP) === undefined) {
      execFileSync('groupadd', ['--system', CONTROL_GROUP]);
      createdGroup = true;
    }
    execFileSync('useradd', ['--no-create-home', '--shell', '/usr/sbin/nologin', '--user-group', outsider]);
    execFileSync('useradd', ['--no-create-home', '--shell', '/usr/sbin/nologin', '--user-group', '--groups', CONTROL_GROUP, member]);
    const ns = lab.ns('rtr');
    router = await VipgateRouter.start(lab, ns, 'asn: 64513\nrouterId: 10.0.0.1\n', ['--no-fib']);
    chmodSync(router.dir, 0o755);
  });

  afterAll(async () => {
    await router?.dispose();
    await lab.cleanup();
    for (const u of [outsider, member]) spawnSync('userdel', [u]);
    if (createdGroup) spawnSync('groupdel', [CONTROL_GROUP]);
  });

  it('the socket is mode 0660, owned by root and group vipgate', () => {
    const st = statSync(router.socket);
    expect(st.mode & 0o777).toBe(0o660);
    expect(st.uid).toBe(0);
    expect(st.gid).toBe(groupId(CONTROL_GROUP));
  });

  it('refuses a user outside the group (EACCES), answers a member and root', () => {
    const refused = cliAs(outsider, router.socket);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/EACCES|permission denied/i);
    expect(refused.stdout).toBe('');

    const answered = cliAs(member, router.socket);
    expect(answered.stderr).toBe('');
    expect(answered.status).toBe(0);
    expect(JSON.parse(answered.stdout)).toMatchObject({ localAs: 64513, routerId: '10.0.0.1' });

    const root = execFileSync(process.execPath, [CLI, 'show', 'bgp', 'summary', '--json', '--socket', router.socket], { encoding: 'utf8' });
    expect(JSON.parse(root)).toMatchObject({ localAs: 64513 });
  });
});
