/**
 * The vipgate router configuration the failover tests and bench share: AS 64513, ECMP, one group `nodes` of
 * eBGP neighbors in AS 65001 that import everything and export nothing, plus the group settings under test
 * (`bfd: {...}`, `probe: {...}`, `gracefulRestart: {...}`, hold time).
 */
export function nodesRouterConfig(routerId: string, nodes: readonly string[], groupSettings: string, nodeAs = 65001): string {
  return `
asn: 64513
routerId: ${routerId}
maximumPaths: 8
neighbors:
${nodes.map((a) => `  - { address: ${a}, group: nodes }`).join('\n')}
groups:
  nodes: { remoteAs: ${nodeAs}, import: all, export: none, connectRetry: 1, ${groupSettings} }
`;
}
