/**
 * The lab's client (k8s-pc): `http-get URL COUNT` makes COUNT requests, each on a new connection (so each
 * has its own source port and ECMP hashes it on its own), and prints the answers as one JSON array.
 */
const url = process.argv[2] ?? 'http://127.0.0.1/';
const count = Number(process.argv[3] ?? 10);
const answers: string[] = [];
for (let i = 0; i < count; i++) {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 2000);
  try {
    const res = await fetch(url, { signal: abort.signal, headers: { connection: 'close' } });
    answers.push((await res.text()).trim());
  } catch (e) {
    answers.push(`error ${e instanceof Error ? e.name : String(e)}`);
  } finally {
    clearTimeout(timer);
  }
}
process.stdout.write(`${JSON.stringify(answers)}\n`);
