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
import { byteMutations, mutantsOf, textMutations, yamlTreeMutations, type Mutation } from './mutate.js';

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
  /** The real inputs mutants start from, and the mutations (bench/fuzz-coverage.ts mutates what it keeps too). */
  readonly seeds: readonly T[];
  readonly mutation: fc.Arbitrary<Mutation<T>>;
}

/** A target over bytes: mutants of `seeds`, with `fixup` repairing an outer length field most of the time. */
function byteTarget(
  name: string, contract: string, seeds: readonly Uint8Array[], run: (b: Uint8Array) => Outcome, fixup?: (b: Uint8Array) => Uint8Array,
): FuzzTarget<Uint8Array> {
  const mutation = byteMutations(fixup);
  return { name, contract, seeds, mutation, arbitrary: mutantsOf(seeds, mutation), run, show: toHex };
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
  return byteTarget(
    name, 'decodeMessage throws only BgpError; clean decodes re-encode to a fixed point; OPENs negotiate',
    bgpMessages(ctx), (b) => only([BgpError], () => decodeBgp(b, ctx)), fixBgpLength,
  );
}

interface Stream { readonly messages: readonly Uint8Array[]; readonly chunks: readonly number[] }

const chunkSizes = fc.array(fc.integer({ min: 1, max: 600 }), { minLength: 1, maxLength: 6 });

/**
 * A stream mutation: one message of the parent mutated (splicing from the parent and one other kept
 * stream), maybe a message of that other stream inserted, maybe new chunk sizes.
 */
const streamMutations: fc.Arbitrary<Mutation<Stream>> = fc.record({
  at: fc.nat(), bytes: byteMutations(fixBgpLength), insert: fc.boolean(), chunks: fc.option(chunkSizes),
}).map(({ at, bytes, insert, chunks }) => ({
  apply: (parent: Stream, corpus: readonly Stream[]) => {
    const other = corpus[at % corpus.length]!.messages;
    const messages = [...parent.messages];
    const i = at % messages.length;
    messages[i] = bytes.apply(messages[i]!, [...messages, ...other]);
    if (insert && messages.length < 6) messages.splice(i, 0, other[at % other.length]!);
    return { messages, chunks: chunks ?? parent.chunks };
  },
}));

/** Seed streams: three captured or encoded messages in a row, cut in chunks of varied sizes. */
function streamSeeds(): Stream[] {
  const all = bgpMessages();
  return all.map((_, i) => ({ messages: [all[i]!, all[(i + 1) % all.length]!, all[(i + 2) % all.length]!], chunks: [1 + ((i * 97) % 600), 19] }));
}

const bgpStreamSeeds = streamSeeds();

const bgpStream: FuzzTarget<Stream> = {
  name: 'bgp-stream', contract: 'Framer + decodeMessage over a mutated stream in random chunks throw only BgpError',
  arbitrary: fc.record({
    messages: fc.array(fc.oneof(mutantsOf(bgpMessages(), byteMutations(fixBgpLength)), fc.constantFrom(...bgpMessages())), { minLength: 1, maxLength: 6 }),
    chunks: chunkSizes,
  }),
  seeds: bgpStreamSeeds,
  mutation: streamMutations,
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

const bgpAttributes = byteTarget(
  'bgp-attributes', 'decodeAttributes throws only BgpError (session-reset cases); other errors are collected with an action',
  bgpAttributeSections(),
  (b) => only([BgpError], () => {
    for (const ctx of [DEFAULT_CONTEXT, { ...DEFAULT_CONTEXT, fourOctetAs: false }]) {
      const d = decodeAttributes(new Reader(b), b.length, ctx);
      check(d.errors.every((e) => e.action !== undefined), 'an attribute error without an RFC 7606 action');
    }
  }),
);

// ---- BFD -------------------------------------------------------------------------------------------------

const bfd = byteTarget(
  'bfd-control', 'decodeBfdControl throws only BfdPacketError; decoded packets round-trip; authentication checks never throw',
  bfdPackets(),
  (b) => only([BfdPacketError], () => {
    const p = decodeBfdControl(b);
    // RFC 5880 6.5 forbids sending Poll and Final together, but 6.8.6 does not discard such a packet: the
    // decoder accepts what the encoder refuses to write, so only the others must round-trip
    if (!(p.poll && p.final)) check(isDeepStrictEqual(decodeBfdControl(encodeBfdControl(p)), p), 'decode(encode(p)) differs from p');
    for (const key of BFD_KEYS) authFailure(p, b.subarray(0, b[3]), key);
    if (p.auth && 'sequence' in p.auth) sequenceAcceptable(p.auth.type, p.auth.sequence, 41, p.detectMult);
  }),
  (b) => { if (b.length >= 4) b[3] = Math.min(b.length, 255); return b; },
);

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
  return byteTarget(
    `netlink-${kind}`, 'decodeMessages and the route/nexthop/link/ack/done decoders throw only NetlinkDecodeError',
    netlinkDatagrams()[kind], (b) => only([NetlinkDecodeError], () => { for (const m of decodeMessages(b)) decodeRtnetlink(m); }), fixNetlinkLength,
  );
}

const ipvs = byteTarget(
  'netlink-ipvs', 'the generic netlink and IPVS reply decoders throw only NetlinkDecodeError',
  ipvsMessages().messages,
  (b) => only([NetlinkDecodeError], () => {
    for (const m of decodeMessages(b)) {
      const each = [
        () => decodeServiceReply(m), () => decodeDestinationReply(m, 4), () => decodeDestinationReply(m, 6), () => decodeDaemonReply(m),
        () => decodeConfigReply(m), () => decodeInfoReply(m), () => decodeFamily({ ...m, type: 0x10 }),
      ];
      for (const f of each) only([NetlinkDecodeError], f);
    }
  }),
  fixNetlinkLength,
);

// ---- ICMP ------------------------------------------------------------------------------------------------

function icmpTarget(family: 4 | 6): FuzzTarget<Uint8Array> {
  const seeds = icmpReplies();
  return byteTarget(
    `icmp-echo-reply-v${family}`, 'parseEchoReply never throws; what it accepts has 16-bit id and sequence',
    family === 4 ? seeds.v4 : seeds.v6,
    (b) => {
      const r = parseEchoReply(family, b);
      if (r === undefined) return 'rejected';
      check(Number.isInteger(r.id) && r.id >= 0 && r.id <= 0xffff && Number.isInteger(r.seq) && r.seq >= 0 && r.seq <= 0xffff, 'id or sequence out of range');
      return 'accepted';
    },
  );
}

// ---- configuration files ---------------------------------------------------------------------------------

/** A configuration file target: byte mutations of the text and value replacements in the parsed YAML tree. */
function configTarget(name: string, contract: string, seeds: readonly string[], run: (text: string) => Outcome): FuzzTarget<string> {
  const mutation = fc.oneof(textMutations(), yamlTreeMutations());
  return { name, contract, seeds, mutation, arbitrary: mutantsOf(seeds, mutation), run, show: (text) => JSON.stringify(text) };
}

const routerConfig = configTarget(
  'router-config', 'parseRouterConfig throws only ConfigError; an accepted configuration renders (show running-config)',
  routerConfigTexts(), (text) => only([ConfigError], () => { renderRunningConfig(parseRouterConfig(text)); }),
);

const agentConfig = configTarget(
  'agent-config', 'parseAgentConfig throws only ConfigError', agentConfigTexts(), (text) => only([ConfigError], () => { parseAgentConfig(text); }),
);

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
