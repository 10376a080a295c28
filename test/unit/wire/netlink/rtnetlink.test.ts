/**
 * rtnetlink codecs against messages captured from iproute2 and the kernel (vectors.ts): each case decodes
 * the capture to the expected value, encodes the value back to the same bytes, and every strict prefix of
 * the body fails to decode cleanly (a NetlinkDecodeError, never something else) or decodes to less.
 */
import { describe, expect, it } from 'vitest';
import { Reader, Writer, fromHex } from '../../../../src/lib/bytes.js';
import { parseAddress } from '../../../../src/lib/address.js';
import * as C from '../../../../src/wire/netlink/constants.js';
import { NetlinkDecodeError } from '../../../../src/wire/netlink/error.js';
import { decodeLink } from '../../../../src/wire/netlink/link.js';
import { decodeAck, decodeMessages } from '../../../../src/wire/netlink/message.js';
import { decodeNexthop, encodeNexthop, NHMSG_LEN, type NexthopMessage } from '../../../../src/wire/netlink/nexthop.js';
import { decodeRoute, encodeRoute, RTMSG_LEN, type RouteMessage } from '../../../../src/wire/netlink/route.js';
import { captured } from './vectors.js';
import { rtnetlinkCases } from './cases.js';

const SEQ = 0x6b08044a;
const CREATE = C.NLM_F_REQUEST | C.NLM_F_ACK | C.NLM_F_EXCL | C.NLM_F_CREATE;
const ip = parseAddress;

const nh = (v: Partial<NexthopMessage>): NexthopMessage => ({ family: 0, scope: 0, protocol: 240, flags: 0, ...v });
rtnetlinkCases<NexthopMessage>('nhmsg (linux/nexthop.h)', NHMSG_LEN, captured, [
  { name: 'nexthopGateway4', header: { type: C.RTM_NEWNEXTHOP, flags: CREATE, seq: SEQ, pid: 0 },
    value: nh({ family: C.AF_INET, id: 11, gateway: ip('10.9.0.2'), oif: 3 }) },
  { name: 'nexthopGateway6', header: { type: C.RTM_NEWNEXTHOP, flags: CREATE, seq: SEQ, pid: 0 },
    value: nh({ family: C.AF_INET6, id: 14, gateway: ip('fd00:9::2'), oif: 3 }) },
  { name: 'group', header: { type: C.RTM_NEWNEXTHOP, flags: CREATE, seq: SEQ, pid: 0 },
    value: nh({ id: 100, group: [{ id: 11, weight: 1 }, { id: 12, weight: 2 }, { id: 13, weight: 3 }] }) },
  { name: 'resilientGroup', header: { type: C.RTM_NEWNEXTHOP, flags: CREATE, seq: SEQ, pid: 0 },
    value: nh({ id: 101, group: [{ id: 11, weight: 1 }, { id: 12, weight: 1 }], groupType: C.NEXTHOP_GRP_TYPE_RES,
      resilient: { buckets: 32, idleTimer: 1000, unbalancedTimer: 2000 } }) },
  { name: 'blackhole', header: { type: C.RTM_NEWNEXTHOP, flags: CREATE, seq: SEQ, pid: 0 },
    value: nh({ family: C.AF_INET, id: 16, blackhole: true }) },
  { name: 'deleteNexthop', header: { type: C.RTM_DELNEXTHOP, flags: C.NLM_F_REQUEST | C.NLM_F_ACK, seq: SEQ, pid: 0 },
    value: nh({ protocol: 0, id: 16 }) },
], encodeNexthop, decodeNexthop);

const rt = (v: Partial<RouteMessage>): RouteMessage => ({
  family: C.AF_INET, dstLen: 32, srcLen: 0, tos: 0, table: C.RT_TABLE_MAIN, protocol: 240,
  scope: C.RT_SCOPE_UNIVERSE, type: C.RTN_UNICAST, flags: 0, ...v,
});
rtnetlinkCases<RouteMessage>('rtmsg (linux/rtnetlink.h)', RTMSG_LEN, captured, [
  { name: 'routeNhId', header: { type: C.RTM_NEWROUTE, flags: CREATE, seq: SEQ, pid: 0 },
    value: rt({ table: 100, dst: ip('10.20.0.1'), nhId: 100, priority: 20 }) },
  { name: 'routeNhId6', header: { type: C.RTM_NEWROUTE, flags: CREATE, seq: SEQ, pid: 0 },
    value: rt({ family: C.AF_INET6, dstLen: 128, dst: ip('2001:db8::1'), nhId: 14, priority: 20 }) },
  { name: 'routeMultipath', header: { type: C.RTM_NEWROUTE, flags: CREATE, seq: SEQ, pid: 0 },
    value: rt({ dst: ip('10.20.0.2'), priority: 20, multipath: [
      { oif: 3, weight: 1, flags: 0, gateway: ip('10.9.0.2') }, { oif: 3, weight: 3, flags: 0, gateway: ip('10.9.0.3') }] }) },
  { name: 'deleteRoute', header: { type: C.RTM_DELROUTE, flags: C.NLM_F_REQUEST | C.NLM_F_ACK, seq: SEQ, pid: 0 },
    value: rt({ table: 100, scope: 255, type: 0, dst: ip('10.20.0.1'), priority: 20 }) },
], encodeRoute, decodeRoute);

describe('kernel replies', () => {
  it('decodes an RTM_GETROUTE answer: table from RTA_TABLE, output interface, preferred source', () => {
    const [msg] = decodeMessages(fromHex(captured.routeGetReply));
    expect(msg).toMatchObject({ type: C.RTM_NEWROUTE, seq: 0x6b08044e, pid: 0x1b5b });
    expect(decodeRoute(new Reader(msg!.payload))).toMatchObject({
      family: C.AF_INET, dstLen: 32, table: 254, protocol: 0, type: C.RTN_UNICAST, flags: 0x200,
      dst: ip('10.9.0.2'), oif: 3, prefsrc: ip('10.9.0.1'),
    });
  });

  it('decodes an error ack with the echoed request and the extended ack text', () => {
    const [msg] = decodeMessages(fromHex(captured.errorExtAck));
    expect(msg!.flags & C.NLM_F_ACK_TLVS).toBe(C.NLM_F_ACK_TLVS);
    expect(decodeAck(msg!)).toEqual({
      error: -101 /* ENETUNREACH */, message: 'Nexthop has invalid gateway',
      request: { type: C.RTM_NEWNEXTHOP, flags: CREATE, seq: 0x6b08044e, pid: 0 },
    });
  });

  it('decodes a capped error ack (NETLINK_CAP_ACK) with an attribute offset', () => {
    // built by hand from struct nlmsgerr: error -17 (EEXIST), request header only, NLMSGERR_ATTR_OFFS = 28
    const bytes = fromHex('2c000000020000030700000001000000efffffff2000000068000506070000000000000008000200' + '1c000000');
    const [msg] = decodeMessages(bytes);
    expect(decodeAck(msg!)).toEqual({ error: -17, offset: 28, request: { type: C.RTM_NEWNEXTHOP, flags: CREATE, seq: 7, pid: 0 } });
  });

  it('splits a datagram of several messages and rejects a length past the end', () => {
    const two = fromHex(captured.deleteNexthop + captured.blackhole);
    expect(decodeMessages(two).map((m) => m.type)).toEqual([C.RTM_DELNEXTHOP, C.RTM_NEWNEXTHOP]);
    const bad = fromHex(captured.deleteNexthop);
    bad[0] = 0x40;
    expect(() => decodeMessages(bad)).toThrow(NetlinkDecodeError);
  });

  it('decodes an RTM_NEWLINK: index, device type and IFF flags, name', () => {
    const [msg] = decodeMessages(fromHex(captured.linkLo));
    expect(msg!.type).toBe(C.RTM_NEWLINK);
    expect(decodeLink(new Reader(msg!.payload))).toEqual({ family: 0, type: 772 /* ARPHRD_LOOPBACK */, index: 1, flags: 0x10049, change: 0, name: 'lo' });
    expect(() => decodeLink(new Reader(msg!.payload.subarray(0, 15)))).toThrow(NetlinkDecodeError);
  });

  it('encodes nexthop weights above 256 into the high byte (kernel >= 6.12)', () => {
    const w = new Writer();
    encodeNexthop(w, nh({ id: 1, group: [{ id: 2, weight: 1000 }] }));
    expect(decodeNexthop(new Reader(w.finish())).group).toEqual([{ id: 2, weight: 1000 }]);
  });

  it('puts table ids of 256 and above in RTA_TABLE with rtm_table unspecified', () => {
    const w = new Writer();
    encodeRoute(w, rt({ table: 1000, dst: ip('10.1.1.1') }));
    const bytes = w.finish();
    expect(bytes[4]).toBe(C.RT_TABLE_UNSPEC);
    expect(decodeRoute(new Reader(bytes)).table).toBe(1000);
  });
});
