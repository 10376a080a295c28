/** Answers ("node client-address", or "error …") counted per first word: the node that answered. */
export function tally(answers: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of answers) { const k = a.split(' ')[0]!; out[k] = (out[k] ?? 0) + 1; }
  return out;
}
