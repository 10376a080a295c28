/**
 * A real mosquitto 2.0 broker for tests: generated config on a free loopback port, output to a log file,
 * killed (and restartable on the same port) by the test. Options: a password file, TLS with given PEMs.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../../helpers/netns.js';
import { stopChild } from '../../helpers/daemons/process.js';
import { requireProgram } from '../../helpers/programs.js';

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Add a user to a mosquitto password file (created if missing). */
export function addUser(file: string, user: string, password: string): void {
  writeFileSync(file, '', { flag: 'a' });
  execFileSync(requireProgram('mosquitto_passwd'), ['-b', file, user, password]);
}

export interface BrokerOptions {
  readonly users?: Readonly<Record<string, string>>;
  readonly tls?: { readonly ca: string; readonly cert: string; readonly key: string };
  /** A whole config of the test's own instead (given the free port and the broker's directory). */
  readonly config?: (port: number, dir: string) => string;
}

export class Mosquitto {
  readonly dir = mkdtempSync(join(tmpdir(), 'vg-mosq-'));
  readonly logFile = join(this.dir, 'mosquitto.log');
  private child?: ChildProcess;

  private constructor(readonly port: number, private readonly options: BrokerOptions) {}

  static async start(options: BrokerOptions = {}): Promise<Mosquitto> {
    const m = new Mosquitto(await freePort(), options);
    await m.launch();
    return m;
  }

  get url(): string { return `${this.options.tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${this.port}`; }

  private config(): string {
    if (this.options.config) return this.options.config(this.port, this.dir);
    const lines = [`listener ${this.port} 127.0.0.1`, 'persistence false', `log_dest file ${this.logFile}`, 'log_type all', 'user root'];
    if (this.options.users) {
      const pw = join(this.dir, 'passwd');
      for (const [u, p] of Object.entries(this.options.users)) addUser(pw, u, p);
      lines.push('allow_anonymous false', `password_file ${pw}`);
    } else {
      lines.push('allow_anonymous true');
    }
    if (this.options.tls) lines.push(`cafile ${this.options.tls.ca}`, `certfile ${this.options.tls.cert}`, `keyfile ${this.options.tls.key}`);
    return `${lines.join('\n')}\n`;
  }

  async launch(): Promise<void> {
    const conf = join(this.dir, 'mosquitto.conf');
    writeFileSync(conf, this.config());
    const fd = openSync(this.logFile, 'a');
    try {
      this.child = spawn(requireProgram('mosquitto'), ['-c', conf], { stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
    const child = this.child;
    await waitFor(`mosquitto on port ${this.port}`, async () => {
      if (child.exitCode !== null) throw new Error(`mosquitto exited: ${this.log()}`);
      return (await new Promise<boolean>((r) => {
        const s = connect(this.port, '127.0.0.1', () => { s.destroy(); r(true); });
        s.on('error', () => r(false));
      })) || undefined;
    }, 10_000, 50);
  }

  log(): string { return readFileSync(this.logFile, 'utf8'); }

  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.child) await stopChild(this.child, 3000, signal);
    this.child = undefined;
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
