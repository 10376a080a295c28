/**
 * Inputs that broke a decoder's contract when fuzzing found them (bench/fuzz.ts or test/fuzz), kept as unit
 * cases after the fix: each must now pass its target's contract. `input` is what the target's show() printed
 * (hex for byte targets, a JSON string for text targets).
 */
export interface Crasher {
  readonly target: string;
  readonly input: string;
  /** What it did before the fix, and where the fix is. */
  readonly found: string;
}

export const CRASHERS: readonly Crasher[] = [
  {
    target: 'agent-config', input: JSON.stringify('*\u0000'),
    found: 'ReferenceError "Unresolved alias" from the yaml library\'s toJS() escaped parseAgentConfig; fixed in yamlDocumentValues (src/config/router-config.ts)',
  },
  {
    target: 'router-config', input: JSON.stringify('*\u0000'),
    found: 'the same alias error escaped parseRouterConfig (found by replaying the agent crasher); same fix',
  },
  {
    target: 'router-config', input: JSON.stringify('a: &x 1\nb: *y\n'),
    found: 'an alias to an anchor that does not exist: ReferenceError from toJS(), same fix',
  },
  {
    target: 'router-config', input: JSON.stringify('asn: 64513\nrouterId: 10.0.0.1\npolicies:\n  p: { rules: [{ match: { prefixList: constructor } }] }\nneighbors:\n  - { address: 10.0.0.2, remoteAs: 65000, import: p }\n'),
    found: 'bench/fuzz.ts (router-config, seeds 1 and 2, after ~11,000 inputs): a prefixList named "constructor" or "__proto__" passed the '
      + '"is it defined" check (`in` sees Object.prototype) and render crashed with TypeError; fixed with Object.hasOwn in src/config/semantic.ts',
  },
  {
    target: 'router-config', input: JSON.stringify('asn: 64513\nrouterId: 10.0.0.1\nneighbors:\n  - { address: 10.0.0.2, remoteAs: 65000, group: toString, import: toString }\n'),
    found: 'the same `in` check for group and policy names: group "toString" and policy "toString" were taken as defined; same fix',
  },
];
