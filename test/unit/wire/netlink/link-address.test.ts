/**
 * Link and address codecs (src/wire/netlink/link.ts, address.ts) against iproute2's requests and the kernel's
 * answers captured with strace (vectors.ts capturedLinkAddress): what the agent needs to keep its dummy
 * interface and Service IPs without the `ip` program.
 */
import { describe, expect, it } from 'vitest';
import { Reader, fromHex } from '../../../../src/lib/bytes.js';
import { parseAddress } from '../../../../src/lib/address.js';
import { decodeAddress, encodeAddress, IFA_F_NODAD, IFA_F_PERMANENT, IFADDRMSG_LEN, type AddressMessage } from '../../../../src/wire/netlink/address.js';
import * as C from '../../../../src/wire/netlink/constants.js';
import { decodeLink, encodeLink, IFF_UP, IFINFOMSG_LEN, RTEXT_FILTER_VF, type LinkMessage } from '../../../../src/wire/netlink/link.js';
import { decodeMessages } from '../../../../src/wire/netlink/message.js';
import { rtnetlinkCases } from './cases.js';
import { capturedLinkAddress as v } from './vectors.js';

const SEQ = 0x6b173c02;
const ACK = C.NLM_F_REQUEST | C.NLM_F_ACK;
const CREATE = ACK | C.NLM_F_EXCL | C.NLM_F_CREATE;
/** NLM_F_MULTI | NLM_F_DUMP_FILTERED */
const DUMP_REPLY = C.NLM_F_MULTI | C.NLM_F_DUMP_FILTERED;
const link = (x: Partial<LinkMessage>): LinkMessage => ({ family: 0, type: 0, index: 0, flags: 0, change: 0, ...x });

rtnetlinkCases<LinkMessage>('ifinfomsg (linux/if_link.h)', IFINFOMSG_LEN, v, [
  { name: 'linkAddDummy', header: { type: C.RTM_NEWLINK, flags: CREATE, seq: SEQ, pid: 0 },
    value: link({ flags: IFF_UP, change: 1, name: 'vipgate-ipvs0', kind: 'dummy' }) },
  { name: 'linkGetByName', header: { type: C.RTM_GETLINK, flags: C.NLM_F_REQUEST, seq: SEQ, pid: 0 },
    value: link({ family: C.AF_PACKET, name: 'va', extMask: RTEXT_FILTER_VF }) },
  { name: 'linkDelete', header: { type: C.RTM_DELLINK, flags: ACK, seq: SEQ, pid: 0 }, value: link({ index: 3 }) },
], encodeLink, decodeLink);

const addr = (x: Partial<AddressMessage>): AddressMessage => ({ family: C.AF_INET, prefixLen: 32, flags: 0, scope: 0, index: 3, ...x });
const a4 = parseAddress('172.20.1.10');
const a6 = parseAddress('fd00::10');
rtnetlinkCases<AddressMessage>('ifaddrmsg (linux/if_addr.h)', IFADDRMSG_LEN, v, [
  { name: 'addressAdd4', header: { type: C.RTM_NEWADDR, flags: CREATE, seq: SEQ, pid: 0 }, value: addr({ local: a4, address: a4 }) },
  { name: 'addressAdd6', header: { type: C.RTM_NEWADDR, flags: CREATE, seq: SEQ, pid: 0 },
    value: addr({ family: C.AF_INET6, prefixLen: 128, flags: IFA_F_NODAD, local: a6, address: a6 }) },
  { name: 'addressDelete4', header: { type: C.RTM_DELADDR, flags: ACK, seq: SEQ, pid: 0 }, value: addr({ local: a4, address: a4 }) },
  { name: 'addressDump4', header: { type: C.RTM_GETADDR, flags: C.NLM_F_REQUEST | C.NLM_F_DUMP, seq: SEQ + 1, pid: 0 }, value: addr({ prefixLen: 0 }) },
  // IFA_CACHEINFO (20 bytes) ends it: not read
  { name: 'addressReply4', header: { type: C.RTM_NEWADDR, flags: DUMP_REPLY, seq: SEQ + 1, pid: 0x71a1 }, decodeOnly: true, unreadTail: 20,
    value: addr({ flags: IFA_F_PERMANENT, address: a4, local: a4, label: 'va', allFlags: IFA_F_PERMANENT }) },
  { name: 'addressReply6', header: { type: C.RTM_NEWADDR, flags: DUMP_REPLY, seq: SEQ + 1, pid: 0x71a6 }, decodeOnly: true,
    value: addr({ family: C.AF_INET6, prefixLen: 128, flags: IFA_F_PERMANENT | IFA_F_NODAD, address: a6, allFlags: IFA_F_PERMANENT | IFA_F_NODAD }) },
], encodeAddress, decodeAddress);

describe('the kernel\'s RTM_NEWLINK', () => {
  it('gives the index, name, kind and flags of a veth among its ~50 other attributes', () => {
    const [msg, ...rest] = decodeMessages(fromHex(v.linkReplyVeth));
    expect(rest).toEqual([]);
    expect(msg!.type).toBe(C.RTM_NEWLINK);
    const l = decodeLink(new Reader(msg!.payload));
    expect({ index: l.index, name: l.name, kind: l.kind, up: (l.flags & IFF_UP) !== 0 }).toEqual({ index: 3, name: 'va', kind: 'veth', up: true });
  });
});
