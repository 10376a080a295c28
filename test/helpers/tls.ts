/**
 * A throwaway certificate authority for tests, made with openssl: a CA and one server certificate it signed
 * for the given IP addresses and DNS names (subjectAltName), written as PEM files into a directory the
 * caller removes. Clients trust `ca` only, as a pod trusts its service account's ca.crt.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireProgram } from './programs.js';

export interface TestPki {
  /** Paths of the PEM files. */
  readonly files: { readonly ca: string; readonly cert: string; readonly key: string };
  /** Their contents. */
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

export function makeTestPki(dir: string, names: { readonly ips?: readonly string[]; readonly dns?: readonly string[] }): TestPki {
  const openssl = requireProgram('openssl');
  const f = (n: string): string => join(dir, n);
  const run = (args: string[]): void => { execFileSync(openssl, args, { stdio: 'ignore' }); };
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=vipgate test CA', '-keyout', f('ca.key'), '-out', f('ca.pem')]);
  const first = names.dns?.[0] ?? names.ips?.[0] ?? 'localhost';
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${first}`, '-keyout', f('server.key'), '-out', f('server.csr')]);
  const san = [...(names.ips ?? []).map((a) => `IP:${a}`), ...(names.dns ?? []).map((d) => `DNS:${d}`)].join(',');
  writeFileSync(f('server.ext'), `subjectAltName=${san}\nextendedKeyUsage=serverAuth\n`);
  run(['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', f('server.ext'), '-out', f('server.pem')]);
  const files = { ca: f('ca.pem'), cert: f('server.pem'), key: f('server.key') };
  return { files, ca: readFileSync(files.ca, 'utf8'), cert: readFileSync(files.cert, 'utf8'), key: readFileSync(files.key, 'utf8') };
}
