// metrics.mjs - reading a broker's GET /metrics in the tests: the samples
// of the Prometheus text exposition, one sample's value, and waiting for
// dispatch rounds (keten_dispatch_rounds_total, one per finished claim) so
// that "nothing more happened" is checked after the dispatcher looked again,
// not after a guessed pause.
import assert from 'node:assert/strict';
import { eventually } from './harness.mjs';

// Every sample of the exposition: [{name, labels, value}].
export function parse(text) {
  const samples = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+]+)$/);
    assert.ok(m, `not a sample line: ${JSON.stringify(line)}`);
    const labels = {};
    if (m[2]) {
      for (const l of m[2].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    }
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

// The samples of node (a stack or a startNode handle) now.
export async function scrape(node) {
  const r = await node.api('GET', '/metrics');
  assert.equal(r.status, 200, r.text);
  return parse(r.text);
}

// The value of the sample with exactly these labels; 0 when absent.
export function value(samples, name, labels = {}) {
  const want = JSON.stringify(Object.entries(labels).sort());
  const hit = samples.find((x) => x.name === name && JSON.stringify(Object.entries(x.labels).sort()) === want);
  return hit ? hit.value : 0;
}

// Waits until node finished n more dispatch rounds than when called. With
// n >= 2 at least one whole claim began after the call: anything due by
// then was claimed and handed to its supplier (or held by its gate).
export async function dispatchRounds(node, n = 2, ms = 15000) {
  const rounds = async () => value(await scrape(node), 'keten_dispatch_rounds_total');
  const from = await rounds();
  await eventually(async () => (await rounds()) >= from + n, ms, `${n} dispatch rounds after ${from}`);
}

// Waits until n runs of node's background sweep (keten_sweeps_total
// {sweep}: "housekeeping" or "autoclose") finished after the call: with
// n >= 2 one whole run began after it.
export async function sweeps(node, sweep, n = 2, ms = 15000) {
  const runs = async () => value(await scrape(node), 'keten_sweeps_total', { sweep });
  const from = await runs();
  await eventually(async () => (await runs()) >= from + n, ms, `${n} ${sweep} sweeps after ${from}`);
}

// Waits until the sample name{labels} of node took n new values since the
// call: a gauge the sweep refreshes (such as the age of a supplier's
// oldest pending message) changes once per sweep.
export async function refreshed(node, name, labels, n = 2, ms = 15000) {
  let last = value(await scrape(node), name, labels), changes = 0;
  await eventually(async () => {
    const now = value(await scrape(node), name, labels);
    if (now !== last) {
      changes++;
      last = now;
    }
    return changes >= n;
  }, ms, `${n} refreshes of ${name}`);
}
