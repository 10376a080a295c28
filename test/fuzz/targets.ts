/**
 * Fuzz targets: every decoder that reads bytes or text from outside the process, each with its seed corpus,
 * its mutation arbitrary and its contract. The contract is the decoder's documented error type and nothing
 * else (BgpError for BGP, BfdPacketError for BFD, NetlinkDecodeError for netlink and IPVS, ConfigError for
 * configuration files, no exception at all for ICMP), plus invariants on what decodes cleanly (re-encoding is
 * a fixed point, a decoded OPEN negotiates, an accepted configuration renders). A broken contract throws
 * ContractViolation (or lets the unexpected error through), which fast-check reports with a shrunk input.
 * Shared by test/fuzz (bounded, seeded) and bench/fuzz.ts (millions, time budget).
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { Reader, toHex } from '../../src/lib/bytes.js';
import { ConfigError } from '../../src/config/error.js';
import { renderRunningConfig } from '../../src/config/render.js';
import { parseRouterConfig } from '../../src/config/router-config.js';
import { parseAgentConfig } from '../../src/agent/config/load.js';
import { parseEchoReply } from '../../src/probe/icmp.js';
import { decodeAttributes } from '../../src/wire/bgp/attributes.js';
import { BgpError } from '../../src/wire/bgp/error.js';
import { Framer } from '../../src/wire/bgp/framer.js';
import { decodeMessage, encodeMessage } from '../../src/wire/bgp/message.js';
import { negotiate } from '../../src/wire/bgp/negotiate.js';
import { DEFAULT_CONTEXT, type CodecContext, type OpenMessage } from '../../src/wire/bgp/types.js';
import { authFailure, sequenceAcceptable } from '../../src/wire/bfd/auth.js';
import { decodeBfdControl, encodeBfdControl } from '../../src/wire/bfd/control.js';
import { BfdPacketError } from '../../src/wire/bfd/types.js';
import { NetlinkDecodeError } from '../../src/wire/netlink/error.js';
import { decodeLink } from '../../src/wire/netlink/link.js';
import { decodeAck, decodeMessages, doneError, type NetlinkMessage } from '../../src/wire/netlink/message.js';
import { decodeNexthop } from '../../src/wire/netlink/nexthop.js';
import { decodeRoute } from '../../src/wire/netlink/route.js';
import { decodeFamily } from '../../src/wire/netlink/ipvs/genetlink.js';
import { decodeConfigReply, decodeDaemonReply, decodeDestinationReply, decodeInfoReply, decodeServiceReply } from '../../src/wire/netlink/ipvs/replies.js';
import {
  agentConfigTexts, bfdPackets, BFD_KEYS, bgpAttributeSections, bgpMessages, icmpReplies, ipvsMessages, netlinkDatagrams, routerConfigTexts,
} from './corpus.js';
import { mutants, textMutants, yamlTreeMutants } from './mutate.js';

export type Outcome = 'accepted' | 'rejected';

class ContractViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContractViolation';
  }
}

export interface FuzzTarget<T> {
  readonly name: string;
  /** What the target decodes and the error type it may throw. */
  readonly contract: string;
  readonly arbitrary: fc.Arbitrary<T>;
  /** Throws ContractViolation, or an error the contract does not allow, when the decoder misbehaves. */
  run(input: T): Outcome;
  /** The input as a unit case would hold it (hex or text). */
  show(input: T): string;
}

type ErrorClass = abstract new (...args: never[]) => Error;

/** Run `fn`: 'accepted' if it returns, 'rejected' if it throws one of `allowed`; anything else propagates. */
function only(allowed: readonly ErrorClass[], fn: () => void): Outcome {
  try {
    fn();
    return 'accepted';
  } catch (e) {
    if (allowed.some((c) => e instanceof c)) return 'rejected';
    throw e;
  }
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new ContractViolation(what);
}

// ---- BGP -------------------------------------------------------------------------------------------------

const LOCAL_OPEN: OpenMessage = {
  type: 'open', version: 4, myAs: 64513, holdTime: 90, bgpId: '10.0.0.254', capabilities: [
    { kind: 'multiprotocol', afi: 1, safi: 1 }, { kind: 'multiprotocol', afi: 2, safi: 1 }, { kind: 'four-octet-as', asn: 64513 },
    { kind: 'route-refresh' }, { kind: 'add-path', families: [{ afi: 1, safi: 1, mode: 3 }] },
  ],
};

/** The header's length field made to match the mutant (RFC 4271 4.1), so the body decoders run. */
function fixBgpLength(b: Uint8Array): Uint8Array {
  if (b.length >= 19 && b.length <= 0xffff) { b[16] = b.length >> 8; b[17] = b.length & 0xff; }
  return b;
}

function decodeBgp(bytes: Uint8Array, ctx: CodecContext): void {
  const d = decodeMessage(bytes, ctx);
  if (d.message.type === 'open') {
    // what the peer code does with a received OPEN: negotiate both ways
    negotiate(LOCAL_OPEN, d.message);
    negotiate(d.message, LOCAL_OPEN);
  }
  if (d.errors.length > 0) {
    check(d.errors.every((e) => e instanceof BgpError && e.action !== undefined), 'an UPDATE error without an RFC 7606 action');
    return;
  }
  // encoding normalises (attribute order, Partial bit, parameter format): after one pass it is a fixed point
  const encoded = encodeMessage(d.message, ctx);
  const again = decodeMessage(encoded, ctx);
  check(again.errors.length === 0, `re-encoded message decodes with errors: ${again.errors.map((e) => e.message).join('; ')}`);
  check(toHex(encodeMessage(again.message, ctx)) === toHex(encoded), 'decode + encode is not a fixed point');
}

function bgpMessageTarget(name: string, ctx: CodecContext): FuzzTarget<Uint8Array> {
  return {
    name, contract: 'decodeMessage throws only BgpError; clean decodes re-encode to a fixed point; OPENs negotiate',
    arbitrary: mutants(bgpMessages(ctx), fixBgpLength),
    run: (b) => only([BgpError], () => decodeBgp(b, ctx)),
    show: toHex,
  };
}

interface Stream { readonly messages: readonly Uint8Array[]; readonly chunks: readonly number[] }

const bgpStream: FuzzTarget<Stream> = {
  name: 'bgp-stream', contract: 'Framer + decodeMessage over a mutated stream in random chunks throw only BgpError',
  arbitrary: fc.record({
    messages: fc.array(fc.oneof(mutants(bgpMessages(), fixBgpLength), fc.constantFrom(...bgpMessages())), { minLength: 1, maxLength: 6 }),
    chunks: fc.array(fc.integer({ min: 1, max: 600 }), { minLength: 1, maxLength: 6 }),
  }),
  run: ({ messages, chunks }) => only([BgpError], () => {
    const all = Buffer.concat(messages);
    const framer = new Framer(DEFAULT_CONTEXT);
    for (let p = 0, i = 0; p < all.length; i++) {
      const n = chunks[i % chunks.length]!;
      for (const m of framer.push(all.subarray(p, p + n))) decodeMessage(m, DEFAULT_CONTEXT);
      p += n;
    }
  }),
  show: ({ messages, chunks }) => `${messages.map(toHex).join(' ')} chunks ${chunks.join(',')}`,
};

const bgpAttributes: FuzzTarget<Uint8Array> = {
  name: 'bgp-attributes', contract: 'decodeAttributes throws only BgpError (session-reset cases); other errors are collected with an action',
  arbitrary: mutants(bgpAttributeSections()),
  run: (b) => only([BgpError], () => {
    for (const ctx of [DEFAULT_CONTEXT, { ...DEFAULT_CONTEXT, fourOctetAs: false }]) {
      const d = decodeAttributes(new Reader(b), b.length, ctx);
      check(d.errors.every((e) => e.action !== undefined), 'an attribute error without an RFC 7606 action');
    }
  }),
  show: toHex,
};

// ---- BFD -------------------------------------------------------------------------------------------------

const bfd: FuzzTarget<Uint8Array> = {
  name: 'bfd-control', contract: 'decodeBfdControl throws only BfdPacketError; decoded packets round-trip; authentication checks never throw',
  arbitrary: mutants(bfdPackets(), (b) => { if (b.length >= 4) b[3] = Math.min(b.length, 255); return b; }),
  run: (b) => only([BfdPacketError], () => {
    const p = decodeBfdControl(b);
    // RFC 5880 6.5 forbids sending Poll and Final together, but 6.8.6 does not discard such a packet: the
    // decoder accepts what the encoder refuses to write, so only the others must round-trip
    if (!(p.poll && p.final)) check(isDeepStrictEqual(decodeBfdControl(encodeBfdControl(p)), p), 'decode(encode(p)) differs from p');
    for (const key of BFD_KEYS) authFailure(p, b.subarray(0, b[3]), key);
    if (p.auth && 'sequence' in p.auth) sequenceAcceptable(p.auth.type, p.auth.sequence, 41, p.detectMult);
  }),
  show: toHex,
};

// ---- netlink ---------------------------------------------------------------------------------------------

/** The first message's nlmsg_len made to match the datagram. */
function fixNetlinkLength(b: Uint8Array): Uint8Array {
  if (b.length >= 16) new DataView(b.buffer, b.byteOffset, b.length).setUint32(0, b.length, true);
  return b;
}

/** Every rtnetlink decoder the router uses, on every message of the datagram (whatever its type says). */
function decodeRtnetlink(m: NetlinkMessage): void {
  const each = [
    () => decodeRoute(new Reader(m.payload)), () => decodeNexthop(new Reader(m.payload)), () => decodeLink(new Reader(m.payload)),
    () => decodeAck({ ...m, type: 2 }), () => doneError({ ...m, type: 3 }),
  ];
  for (const f of each) only([NetlinkDecodeError], f);
}

function rtnetlinkTarget(kind: keyof ReturnType<typeof netlinkDatagrams>): FuzzTarget<Uint8Array> {
  return {
    name: `netlink-${kind}`, contract: 'decodeMessages and the route/nexthop/link/ack/done decoders throw only NetlinkDecodeError',
    arbitrary: mutants(netlinkDatagrams()[kind], fixNetlinkLength),
    run: (b) => only([NetlinkDecodeError], () => { for (const m of decodeMessages(b)) decodeRtnetlink(m); }),
    show: toHex,
  };
}

const ipvs: FuzzTarget<Uint8Array> = {
  name: 'netlink-ipvs', contract: 'the generic netlink and IPVS reply decoders throw only NetlinkDecodeError',
  arbitrary: mutants(ipvsMessages().messages, fixNetlinkLength),
  run: (b) => only([NetlinkDecodeError], () => {
    for (const m of decodeMessages(b)) {
      const each = [
        () => decodeServiceReply(m), () => decodeDestinationReply(m, 4), () => decodeDestinationReply(m, 6), () => decodeDaemonReply(m),
        () => decodeConfigReply(m), () => decodeInfoReply(m), () => decodeFamily({ ...m, type: 0x10 }),
      ];
      for (const f of each) only([NetlinkDecodeError], f);
    }
  }),
  show: toHex,
};

// ---- ICMP ------------------------------------------------------------------------------------------------

function icmpTarget(family: 4 | 6): FuzzTarget<Uint8Array> {
  const seeds = icmpReplies();
  return {
    name: `icmp-echo-reply-v${family}`, contract: 'parseEchoReply never throws; what it accepts has 16-bit id and sequence',
    arbitrary: mutants(family === 4 ? seeds.v4 : seeds.v6),
    run: (b) => {
      const r = parseEchoReply(family, b);
      if (r === undefined) return 'rejected';
      check(Number.isInteger(r.id) && r.id >= 0 && r.id <= 0xffff && Number.isInteger(r.seq) && r.seq >= 0 && r.seq <= 0xffff, 'id or sequence out of range');
      return 'accepted';
    },
    show: toHex,
  };
}

// ---- configuration files ---------------------------------------------------------------------------------

function configText(texts: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(textMutants(texts), yamlTreeMutants(texts));
}

const routerConfig: FuzzTarget<string> = {
  name: 'router-config', contract: 'parseRouterConfig throws only ConfigError; an accepted configuration renders (show running-config)',
  arbitrary: configText(routerConfigTexts()),
  run: (text) => only([ConfigError], () => { renderRunningConfig(parseRouterConfig(text)); }),
  show: (text) => JSON.stringify(text),
};

const agentConfig: FuzzTarget<string> = {
  name: 'agent-config', contract: 'parseAgentConfig throws only ConfigError',
  arbitrary: configText(agentConfigTexts()),
  run: (text) => only([ConfigError], () => { parseAgentConfig(text); }),
  show: (text) => JSON.stringify(text),
};

/** Every target (each one's run() takes only what its own arbitrary generates). */
export const TARGETS: readonly FuzzTarget<unknown>[] = [
  bgpMessageTarget('bgp-message', DEFAULT_CONTEXT),
  bgpMessageTarget('bgp-message-as2-addpath', { fourOctetAs: false, extendedMessage: false, addPath: new Set(['1/1', '2/1']) }),
  bgpMessageTarget('bgp-message-extended', { fourOctetAs: true, extendedMessage: true, addPath: new Set() }),
  bgpStream, bgpAttributes, bfd,
  rtnetlinkTarget('route'), rtnetlinkTarget('nexthop'), rtnetlinkTarget('link'), rtnetlinkTarget('error'), ipvs,
  icmpTarget(4), icmpTarget(6),
  routerConfig, agentConfig,
];

/** fast-check property for one target, counting outcomes when asked. */
export function targetProperty(target: FuzzTarget<unknown>, counts?: Record<Outcome, number>): fc.IProperty<[unknown]> {
  return fc.property(target.arbitrary, (input) => {
    const outcome = target.run(input);
    if (counts) counts[outcome]++;
  });
}
