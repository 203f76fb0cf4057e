// poll-servicenow.test.mjs - polling through a real adapter: the
// `servicenow` adapter's records and journal feeds against servicenow-sim,
// with pushes off, through the real broker. A state, a public comment, a
// work note and a resolve made at ServiceNow come back by polling, each
// applied once though the overlap window reads it again; with two nodes
// polling and one killed with SIGKILL mid-way, every comment comes back
// exactly once, also those older than a status read first from the other
// feed (journal entries are append-only facts, never stale).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, psql, eventually } from './lib/harness.mjs';
import { PASSWORD, TOKEN, startSnow, stopSnow, snowTickets } from './lib/servicenow.mjs';

// Polls share the supplier's circuit breaker: those made before the chain
// named the simulator (at an unreachable endpoint) open it, for a short
// while only.
const fast = { KETEN_POLL_TICK_MS: '100', KETEN_LEASE_MS: '2000', KETEN_SUPPLIER_TIMEOUT_MS: '1000',
  KETEN_BREAKER_OPEN_MS: '500', KETEN_BREAKER_OPEN_MAX_MS: '1000' };
let s;
let sn;

// Pushes off: every change comes back by polling (every 300 ms, pages of
// 2, an overlap of 3 s).
before(async () => {
  ({ s, sn } = await startSnow(fast, { push: false,
    poll: { interval_ms: 300, overlap_ms: 3000, page_size: 2 } }));
});
after(async () => { await stopSnow(s, sn); });

const { fileTicket, deliveredLeg, integratorView, legStatus } = snowTickets(() => s);
const notes = (tl, text) => tl.filter((e) => e.data?.text === text).length;

test('changes at ServiceNow come back by polling, each once', async () => {
  const t = await fileTicket('incident', 'printer on fire');
  const leg = await deliveredLeg(t);
  await sn.control('POST', '/_sim/change', { sys_id: leg.external, fields: { state: '2' } });
  await eventually(async () => await legStatus(t) === 'in_progress', 15000, 'the leg in progress (polled)');
  await sn.control('POST', '/_sim/change', { sys_id: leg.external, comment: 'Engineer on the way' });
  await sn.control('POST', '/_sim/change', { sys_id: leg.external, work_note: 'toner vendor ticket 4711' });
  await eventually(async () => {
    const tl = (await integratorView(t)).timeline;
    return notes(tl, 'toner vendor ticket 4711') === 1 && notes(tl, 'Engineer on the way') === 1;
  }, 15000, 'both journal entries applied (polled)');
  await sn.control('POST', '/_sim/change', { sys_id: leg.external,
    fields: { state: '6', close_code: 'Solved (Permanently)', close_notes: 'new printer' } });
  await eventually(async () => await legStatus(t) === 'resolved', 15000, 'the leg resolved (polled)');
  // The overlap window (3 s, polls every 300 ms) reads each change again
  // and again: still once each.
  await new Promise((r) => setTimeout(r, 1500));
  const tl = (await integratorView(t)).timeline;
  assert.equal(notes(tl, 'Engineer on the way'), 1);
  assert.equal(notes(tl, 'toner vendor ticket 4711'), 1);
  const customer = JSON.stringify((await s.api('GET', `/v1/tickets/${t}`, { key: s.keys.acme })).json);
  assert.ok(customer.includes('Engineer on the way'), 'the customer sees the public comment');
  assert.ok(!customer.includes('toner vendor ticket 4711'), 'not the work note');
  // Both feeds of the supplier were polled to the end (a call that timed
  // out on a loaded machine may have failed before: that is backed off,
  // not asserted here).
  const feeds = (await psql(s.db, `SELECT p.feed, p.last_success IS NOT NULL FROM supplier_polls p
    JOIN suppliers x ON x.id = p.supplier_id WHERE x.key = 'snow' ORDER BY p.feed`)).split('\n');
  assert.deepEqual(feeds, ['journal|t', 'records|t']);
});

test('two nodes poll; a node killed mid-way leaves nothing missed or doubled', async () => {
  const b = await startNode(s, 'node-b', { KETEN_SECRET_SNOW: PASSWORD, KETEN_SECRET_INBOUND_SNOW: TOKEN, ...fast });
  const t = await fileTicket('incident', 'two nodes');
  const leg = await deliveredLeg(t);
  for (let i = 0; i < 12; i++) {
    await sn.control('POST', '/_sim/change', { sys_id: leg.external, comment: `note ${i}`,
      fields: i % 4 === 3 ? { state: i % 8 === 3 ? '3' : '2', hold_reason: '1' } : undefined });
    if (i === 5) await b.kill();
    await new Promise((r) => setTimeout(r, 250));
  }
  await eventually(async () => {
    const tl = (await integratorView(t)).timeline;
    return Array.from({ length: 12 }, (_, i) => `note ${i}`).every((n) => notes(tl, n) >= 1);
  }, 20000, 'every note applied');
  const tl = (await integratorView(t)).timeline;
  for (let i = 0; i < 12; i++) assert.equal(notes(tl, `note ${i}`), 1, `note ${i} once`);
});
