/**
 * The IPVS codec against ipvsadm: ipvsadm-requests.json holds the requests ipvsadm sent in the VM (captured
 * on nlmon; the VM test re-captures them on every run). Our encoder must write the same bytes for the same
 * operation, and our decoders must read ipvsadm's service and destination nests back into the same values.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromHex, Reader, toHex } from '../../../src/lib/bytes.js';
import { attributeMap } from '../../../src/wire/netlink/attributes.js';
import { decodeMessages } from '../../../src/wire/netlink/message.js';
import { IPVS_CMD_ATTR_DEST, IPVS_CMD_ATTR_SERVICE } from '../../../src/wire/netlink/ipvs/constants.js';
import { decodeDestination } from '../../../src/wire/netlink/ipvs/destination.js';
import { ipvsErrorMeaning } from '../../../src/wire/netlink/ipvs/errors.js';
import { decodeGenl } from '../../../src/wire/netlink/ipvs/genetlink.js';
import { encodeIpvsRequest, type IpvsRequest } from '../../../src/wire/netlink/ipvs/requests.js';
import { decodeService } from '../../../src/wire/netlink/ipvs/service.js';
import type { ServiceKey } from '../../../src/wire/netlink/ipvs/types.js';

const captured = JSON.parse(readFileSync(new URL('./ipvsadm-requests.json', import.meta.url), 'utf8')) as { familyId: number; requests: Record<string, string> };
const svc: ServiceKey = { protocol: 'tcp', address: '10.200.0.1', port: 80 };
const none = { upperThreshold: 0, lowerThreshold: 0 };

const CASES: Record<string, IpvsRequest> = {
  'new-service-tcp-wrr': { cmd: 'newService', service: { key: svc, scheduler: 'wrr', flags: 0, timeout: 0, netmaskLength: 32 } },
  'set-service-sh-flags': { cmd: 'setService', service: { key: svc, scheduler: 'sh', flags: 0x18, timeout: 0, netmaskLength: 32 } },
  'new-service-udp-persistent': { cmd: 'newService', service: { key: { protocol: 'udp', address: '10.200.0.2', port: 53 }, scheduler: 'rr', flags: 1, timeout: 300, netmaskLength: 24 } },
  'new-service-sctp': { cmd: 'newService', service: { key: { protocol: 'sctp', address: '10.200.0.3', port: 5000 }, scheduler: 'lc', flags: 0, timeout: 0, netmaskLength: 32 } },
  'new-service-fwmark-mh': { cmd: 'newService', service: { key: { fwmark: 7, family: 4 }, scheduler: 'mh', flags: 0x10, timeout: 0, netmaskLength: 32 } },
  'new-service-ipv6': { cmd: 'newService', service: { key: { protocol: 'tcp', address: 'fd00::1', port: 80 }, scheduler: 'wlc', flags: 0, timeout: 0, netmaskLength: 128 } },
  'new-dest-masq-thresholds': { cmd: 'newDest', key: svc, dest: { address: '10.1.0.11', port: 8080, forward: 'masq', weight: 3, upperThreshold: 100, lowerThreshold: 10 } },
  'new-dest-route': { cmd: 'newDest', key: svc, dest: { address: '10.1.0.12', port: 80, forward: 'route', weight: 2, ...none } },
  'new-dest-tunnel': { cmd: 'newDest', key: svc, dest: { address: '10.1.0.13', port: 80, forward: 'tunnel', weight: 1, ...none, tunnel: { type: 'ipip', port: 0, flags: 0 } } },
  'set-dest-weight': { cmd: 'setDest', key: svc, dest: { address: '10.1.0.11', port: 8080, forward: 'masq', weight: 5, ...none } },
  'del-dest': { cmd: 'delDest', key: svc, address: '10.1.0.11', port: 8080 },
  'del-service': { cmd: 'delService', key: { protocol: 'udp', address: '10.200.0.2', port: 53 } },
  'set-timeouts': { cmd: 'setConfig', timeouts: { tcp: 900, tcpFin: 120, udp: 300 } },
  'start-daemon': { cmd: 'newDaemon', daemon: { state: 'master', interface: 'lo', syncId: 5 } },
  'stop-daemon': { cmd: 'delDaemon', state: 'master' },
  'zero-all': { cmd: 'zero' },
  'list-services': { cmd: 'getServices' },
  flush: { cmd: 'flush' },
};

describe('IPVS requests, byte for byte as ipvsadm sends them', () => {
  it('has a capture for every case', () => {
    expect(Object.keys(CASES).sort()).toEqual(Object.keys(captured.requests).sort());
  });
  for (const [name, req] of Object.entries(CASES)) {
    it(name, () => {
      expect(toHex(encodeIpvsRequest(captured.familyId, req))).toBe(captured.requests[name]);
    });
  }
});

describe('decoding ipvsadm\'s nests', () => {
  for (const [name, req] of Object.entries(CASES)) {
    if (req.cmd !== 'newService' && req.cmd !== 'setService' && req.cmd !== 'newDest' && req.cmd !== 'setDest') continue;
    it(name, () => {
      const [msg] = decodeMessages(fromHex(captured.requests[name]!));
      const attrs = attributeMap(decodeGenl(msg!).attrs);
      const service = decodeService(attrs.get(IPVS_CMD_ATTR_SERVICE)!);
      if (req.cmd === 'newService' || req.cmd === 'setService') {
        const { stats, ...rest } = service;
        expect(rest).toEqual(req.service);
        expect(stats.conns).toBe(0n);
      } else if (req.cmd === 'newDest' || req.cmd === 'setDest') {
        expect(service.key).toEqual(req.key);
        const { stats, activeConns, inactiveConns, persistentConns, ...dest } = decodeDestination(attrs.get(IPVS_CMD_ATTR_DEST)!, 4);
        expect(dest).toEqual(req.dest);
        expect([activeConns, inactiveConns, persistentConns, stats.inbytes]).toEqual([0, 0, 0, 0n]);
      }
    });
  }
  it('rejects a service nest without an address family', () => {
    expect(() => decodeService(new Reader(fromHex('0800050007000000')).rest())).toThrow(/IPVS_SVC_ATTR_AF/);
  });
});

describe('kernel errors', () => {
  it('explain the errno for the command', () => {
    expect(ipvsErrorMeaning('newService', 'EEXIST')).toBe('the virtual service already exists');
    expect(ipvsErrorMeaning('delDest', 'ENOENT')).toBe('no such real server');
    expect(ipvsErrorMeaning('newService', 'ENOENT')).toMatch(/scheduler/);
    expect(ipvsErrorMeaning('flush', 'EPERM')).toMatch(/CAP_NET_ADMIN/);
  });
});
