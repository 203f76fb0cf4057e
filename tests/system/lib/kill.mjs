// kill.mjs - kill -9 of a delivering node at the worst moment of a write:
// the supplier's simulator applies the write and holds its answer (mode
// hang with apply), the test kills the node with SIGKILL, and a fresh node
// takes the message over when its lease runs out. The stack's own node
// serves the API only (KETEN_DISPATCH=0), so the victim and its successor
// are the only nodes that deliver.
import assert from 'node:assert/strict';
import { startNode, eventually } from './harness.mjs';

// The kills of the tests on stack() and the simulator sim() (both read
// when called), their nodes started with config. cleanup() kills the
// nodes a failed test left running (call it after each test).
export function killer(stack, sim, config) {
  let n = 0;
  let nodes = [];
  const received = () => sim().control('GET', '/_sim/received');
  return {
    received,
    // Runs prepare on a delivering victim node (e.g. a delivered ticket),
    // then trigger(prepared) with the simulator holding the answer to the
    // next request of method after applying it; once it took effect, kills
    // the victim and starts its successor. Returns {ctx, held, next, from}:
    // what trigger gave, the held request, the successor (stop it with
    // done()) and the index in the simulator's records where the write's
    // requests start.
    async killAtWrite(method, prepare, trigger) {
      n++;
      const victim = await startNode(stack(), `victim-${n}`, config);
      nodes.push(victim);
      const base = await prepare();
      const from = (await received()).length;
      await sim().control('POST', '/_sim/mode', { mode: 'hang', apply: true, count: 1, method });
      const ctx = await trigger(base);
      const held = await eventually(async () => (await received()).slice(from)
        .find((x) => x.method === method && x.applied), 20000, `the ${method} took effect, its answer held`);
      assert.ok(held.applied >= 200 && held.applied < 300, JSON.stringify(held));
      await victim.kill();
      const next = await startNode(stack(), `successor-${n}`, config);
      nodes = [next];
      return { ctx, held, next, from };
    },
    // The successor stopped cleanly at the end of a test that passed.
    async done(next) {
      await next.stop();
      nodes = [];
    },
    async cleanup() {
      for (const x of nodes) await x.kill();
      nodes = [];
    },
  };
}
