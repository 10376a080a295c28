/**
 * The values of FRR's and vipgate's `show` views that must differ between two routers holding the same
 * state, replaced by placeholders of the same width (so that a column that moves still shows): times (a
 * session's Up/Down, unless "never"; a path's "Last update"), the counters of messages and of table
 * versions (they count events whose number depends on timing and packing: keepalives, UPDATEs, decision
 * runs), and the implementations' own memory estimates, RIB node counts and dynamic-neighbor limits. Every
 * other character is compared.
 */

/** A right-aligned field as a placeholder at its right edge, so that only the column's width is compared. */
const same = (field: string, c = '#') => c.padStart(field.length);

/** A summary's peer line: V AS MsgRcvd MsgSent TblVer InQ OutQ Up/Down State/PfxRcd PfxSnt Desc. */
const PEER = /^(\*?[\d.a-f:]+\s+4 +\d+)( +\d+)( +\d+)( +\d+)( +\d+ +\d+)( +\S+)(.*)$/;

export function normaliseView(text: string): string {
  return text.split('\n').map((line) => {
    const peer = PEER.exec(line);
    if (peer) {
      const [, head, rcvd, sent, ver, queues, up, rest] = peer;
      return `${head}${same(rcvd!)}${same(sent!)}${same(ver!)}${queues}${up!.trim() === 'never' ? up : same(up!, 'T')}${rest}`;
    }
    return line
      .replace(/^(BGP table version(?: is)? )\d+/, '$1#')
      .replace(/^(BGP routing table entry for \S+, version )\d+$/, '$1#')
      .replace(/^(RIB entries )\d+(, using ).*( of memory)$/, '$1#$2#$3')
      .replace(/^((?:Peers|Peer groups) \d+, using ).*( of memory)$/, '$1#$2')
      .replace(/^(\d+ dynamic neighbor\(s\), limit )\d+$/, '$1#')
      .replace(/^(      Last update: ).*$/, '$1#');
  }).join('\n');
}
