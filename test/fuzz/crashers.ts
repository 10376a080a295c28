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
];
