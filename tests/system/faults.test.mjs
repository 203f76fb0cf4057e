// faults.test.mjs - the outbound fault suite's kill test, which is also the
// several-nodes test: three `keten serve` processes share one database
// while a load of 2,000 tickets runs, and one of them is killed with
// SIGKILL again and again (and replaced), during intake and during
// delivery. The load client sends an Idempotency-Key on every POST and,
// after a reset or a 503, retries with the same key at another node. Then:
// lost = 0 (every key made exactly one ticket, each delivered to each of
// its suppliers), every supplier holds exactly one ticket per leg, and the
// order of each leg is kept: every tenth ticket gets a customer comment
// right after it is created, which must reach each supplier after the
// create it follows.
// Run against simulators that honour Idempotency-Key and against ones that
// ignore it and whose search lags 2 s behind their writes.
// KETEN_FAULT_TICKETS scales the load (the sanitizer run uses fewer: it
// looks for memory errors on the same paths, at a fraction of the speed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, startNode, eventually, psql, sleep } from './lib/harness.mjs';

const TICKETS = Number(process.env.KETEN_FAULT_TICKETS || 2000);
const WORKERS = 8;
const KILL_EVERY_MS = 1500;

const config = {
  KETEN_SUPPLIER_TIMEOUT_MS: '1000', KETEN_LEASE_MS: '2000',
  KETEN_SUPPLIER_SEARCH_LAG_MS: '2500', KETEN_RETRY_BASE_MS: '100', KETEN_RETRY_MAX_MS: '1000',
  KETEN_DISPATCH_INTERVAL_MS: '200',
};

const variants = [
  { name: 'suppliers honour Idempotency-Key', sim: { idempotency: 'honour' } },
  { name: 'suppliers ignore it, search lags 2 s', sim: { idempotency: 'ignore', searchLagMs: 2000 } },
];

for (const v of variants) {
  test(`kill -9 of broker nodes under load: nothing lost, nothing twice (${v.name})`, async (t) => {
    const s = await startStack({ config, sim: { netco: v.sim, hostco: v.sim } });
    // s itself is never killed (its stop() checks a clean exit); the two
    // others are the victims, replaced as they die.
    const victims = [await startNode(s, 'victim-a', config), await startNode(s, 'victim-b', config)];
    const nodes = () => [s, ...victims];
    const stats = { kills: 0, resets: 0, retried: 0 };
    // The killer runs until delivering turns false, whichever way the test
    // ends: a failure while loading must end the test, not leave the
    // killer replacing victims for ever.
    let delivering = true;
    let killer = Promise.resolve();
    try {
      const created = new Map();
      let next = 0;
      // A creating POST at any live node, retried with the same key after
      // a reset or a 503 until it is answered 201.
      const postUntil201 = async (n, p, key, body, idem) => {
        const until = Date.now() + 180000;
        for (let attempt = 0; ; attempt++) {
          const all = nodes();
          const node = all[(n + attempt) % all.length];
          let r = null;
          try {
            r = await node.api('POST', p, { key, body, headers: { 'idempotency-key': idem } });
          } catch {
            stats.resets++;
          }
          if (r?.status === 201) return r.json.id;
          if (r) assert.ok([503, 409].includes(r.status), `unexpected ${r.status} from ${node.name || 'the first node'} for ${p}: ${r.text}`);
          stats.retried++;
          assert.ok(Date.now() < until, `${idem} never created`);
          await sleep(50);
        }
      };
      const commented = [];
      const worker = async () => {
        while (next < TICKETS) {
          const n = next++;
          // even numbers: acme's fan-out service (netco + hostco); odd: globex
          const acme = n % 2 === 0;
          const key = acme ? s.keys.acme : s.keys.globex;
          const id = await postUntil201(n, '/v1/tickets', key, {
            service: s.services[acme ? 'acme-workplace' : 'globex-hosting'], type: 'incident',
            summary: `fault ${n}`, description: 'kill -9', impact: 3, urgency: 3 }, `fault-${n}`);
          created.set(n, id);
          if (n % 10 === 0) {
            await postUntil201(n, `/v1/tickets/${id}/comments`, key, { text: `after ${n}` },
              `fault-comment-${n}`);
            commented.push(id);
          }
        }
      };
      const load = Promise.all(Array.from({ length: WORKERS }, worker));

      // Kill a victim every KILL_EVERY_MS, through intake and delivery.
      killer = (async () => {
        let i = 0;
        while (delivering) {
          await sleep(KILL_EVERY_MS);
          if (!delivering) break;
          const k = i++ % victims.length;
          await victims[k].kill();
          stats.kills++;
          victims[k] = await startNode(s, `victim-${k}-${i}`, config);
        }
      })();
      await load;

      const ids = [...created.values()];
      assert.equal(ids.length, TICKETS);
      assert.equal(new Set(ids).size, TICKETS, 'one ticket per key');
      assert.equal(await psql(s.db, "SELECT count(*) FROM tickets WHERE summary LIKE 'fault %'"),
        String(TICKETS), 'no ticket the client was not answered for');
      const legs = Math.ceil(TICKETS / 2) * 2 + Math.floor(TICKETS / 2);
      const outbox = (where) => psql(s.db, 'SELECT count(*) FROM outbox o JOIN legs l ON l.id = o.leg_id' +
        ` JOIN tickets t ON t.id = l.ticket_id WHERE t.summary LIKE 'fault %' AND ${where}`);
      assert.equal(await outbox("o.operation = 'create'"), String(legs), 'one create per leg');
      assert.equal(await outbox("o.operation = 'comment'"), String(commented.length * 2),
        'one comment message per leg of each commented acme ticket');
      try {
        await eventually(async () => await outbox("o.state <> 'done'") === '0', 240000, 'every message delivered');
      } finally {
        delivering = false;
        await killer;
      }
      assert.ok(stats.kills >= 3, `killed ${stats.kills} times`);

      // Exactly one supplier ticket per leg, at the right supplier.
      for (const key of ['netco', 'hostco']) {
        const want = (await psql(s.db, 'SELECT l.id FROM legs l JOIN suppliers p ON p.id = l.supplier_id' +
          ` JOIN tickets t ON t.id = l.ticket_id WHERE p.key = '${key}' AND t.summary LIKE 'fault %'`))
          .split('\n').sort();
        const got = new Map();
        for (const t of await s.sims[key].tickets()) got.set(t.leg_id, (got.get(t.leg_id) || 0) + 1);
        const twice = [...got].filter(([, c]) => c > 1);
        assert.deepEqual(twice, [], `${key}: legs with more than one ticket`);
        assert.deepEqual([...got.keys()].sort(), want, `${key}: a ticket for every leg, no other`);
        const received = await s.sims[key].received();
        const creates = received.filter((r) => r.json?.type === 'leg.create');
        stats[`${key}_resent`] = creates.length - want.length;
        // per-leg order: each comment after the create it follows
        const firstCreate = new Map();
        received.forEach((r, i) => {
          if (r.json?.type === 'leg.create' && !firstCreate.has(r.json.data.leg.id)) firstCreate.set(r.json.data.leg.id, i);
        });
        const comments = received.map((r, i) => [r, i]).filter(([r]) => r.json?.type === 'leg.comment');
        // commented tickets are acme's, whose legs are at both suppliers
        assert.equal(new Set(comments.map(([r]) => r.json.data.leg.id)).size, commented.length,
          `${key}: every commented ticket's leg got its comment`);
        for (const [r, i] of comments) {
          assert.ok(firstCreate.get(r.json.data.leg.id) < i, `${key}: a comment overtook its create`);
        }
      }
      t.diagnostic(JSON.stringify(stats));
    } finally {
      delivering = false;
      await killer;
      for (const n of victims) await n.kill();
      await s.stop();
    }
  });
}
