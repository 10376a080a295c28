/**
 * Records the BGP traffic on one interface of a Netlab namespace with tcpdump (`-w`, packet-buffered, full
 * snap length) and hands back the messages found in it (pcap.ts).
 */
import { join } from 'node:path';
import { waitFor, type Netlab } from '../netns.js';
import { readBgpPcap, type BgpCaptured } from './pcap.js';
import { makeWorkDir, removeWorkDir, spawnLogged, stopChild, tailLog } from './process.js';

export interface Capture {
  readonly pcapFile: string;
  /** Stop tcpdump and return the BGP messages it saw, in time order. */
  stop(): Promise<BgpCaptured[]>;
  /** Remove the capture's files. */
  discard(): void;
}

/** Start tcpdump on `ifname` in `ns` for TCP port `port` (default 179); resolves once it is listening. */
export async function startCapture(lab: Netlab, ns: string, ifname: string, port = 179): Promise<Capture> {
  const dir = makeWorkDir('pcap');
  const pcapFile = join(dir, 'bgp.pcap');
  const log = join(dir, 'tcpdump.log');
  const child = spawnLogged(lab, ns, 'tcpdump', ['-i', ifname, '-n', '-U', '--immediate-mode', '-s', '0', '-w', pcapFile, 'tcp', 'port', String(port)], log);
  await waitFor(`tcpdump on ${ifname} in ${ns}`, () => {
    if (child.exitCode !== null) throw new Error(`tcpdump exited: ${tailLog(log)}`);
    return tailLog(log).includes('listening on') ? true : undefined;
  }, 10_000);
  return {
    pcapFile,
    async stop() {
      await stopChild(child, 3000, 'SIGINT');
      return readBgpPcap(pcapFile);
    },
    discard() { removeWorkDir(dir); },
  };
}
