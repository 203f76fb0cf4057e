// autoclose.test.mjs - a resolved ticket nobody confirms closes by itself
// after auto_close_s (shrunk to 2 s here), never earlier, and its suppliers
// are told; a reopened or confirmed ticket is left alone; and two broker
// processes sweeping the same database close each ticket exactly once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, startNode, eventually, psql } from './lib/harness.mjs';
import { resolvedTicket, view, sent } from './lib/tickets.mjs';

const AUTO_CLOSE_S = 2;
let s;
before(async () => { s = await startStack({ config: { KETEN_AUTO_CLOSE_S: String(AUTO_CLOSE_S) } }); });
after(async () => { await s.stop(); });

const closedEvents = (t) => psql(s.db, `SELECT count(*) FROM events WHERE ticket_id = '${t.id}' AND kind = 'closed'`);

// Waits until ticket t closed by itself.
async function closedBySweep(t) {
  await eventually(async () => (await view(s, t, 'acme')).status === 'closed', 30000,
    `ticket ${t.number} closed by the sweep`);
}

test('an unconfirmed resolved ticket closes by itself, not before auto_close_s', async () => {
  const t = await resolvedTicket(s);
  const c = await eventually(async () => {
    const v = await view(s, t, 'acme');
    return v.status === 'closed' && v;
  }, 30000, 'the auto-close');
  // Lower bound by the database's own clock.
  assert.equal(await psql(s.db, `SELECT closed_at - resolved_at >= interval '${AUTO_CLOSE_S} seconds'
    FROM tickets WHERE id = '${t.id}'`), 't');
  assert.equal(await psql(s.db, `SELECT status FROM tickets WHERE id = '${t.id}'`), 'closed');
  const closed = c.timeline.filter((e) => e.kind === 'closed');
  assert.equal(closed.length, 1);
  assert.match(closed[0].text, /closed automatically/);
  assert.equal(closed[0].actor, 'integrator');
  assert.ok(c.timeline.some((e) => e.kind === 'status_changed' && e.from === 'resolved' && e.to === 'closed'));
  const i = (await view(s, t, 'integrator')).timeline.find((e) => e.kind === 'closed');
  assert.equal(i.data.automatic, true);
  assert.equal(i.visibility, 'customer');
  // Once closed, neither close nor reopen.
  const r = await s.api('POST', `/v1/tickets/${t.id}/reopen`, { key: s.keys.acme, body: { reason: 'late' } });
  assert.equal(r.status, 409);
  assert.equal(r.json.error.code, 'not_resolved');
  // Its legs closed too, and each supplier was told: automatically.
  assert.equal(await psql(s.db, `SELECT string_agg(status, ',') FROM legs WHERE ticket_id = '${t.id}'`), 'closed,closed');
  for (const who of ['netco', 'hostco']) {
    // (an empty list is truthy: wait for the first one)
    const got = await eventually(async () => {
      const told = (await sent(s, t, who, 'update')).filter((x) => x.json.close);
      return told.length > 0 && told;
    }, 15000, `${who} told of the auto-close`);
    assert.equal(got.length, 1);
    assert.deepEqual(got[0].json.close, { automatic: true });
    assert.equal(got[0].json.data.leg.status, 'closed');
  }
});

test('a reopened ticket and a confirmed one are not closed by the sweep', async () => {
  // Each acted on as soon as it is resolved, well inside auto_close_s.
  const reopened = await resolvedTicket(s);
  let r = await s.api('POST', `/v1/tickets/${reopened.id}/reopen`, { key: s.keys.acme, body: { reason: 'not fixed' } });
  assert.equal(r.status, 200, r.text);
  const confirmed = await resolvedTicket(s);
  r = await s.api('POST', `/v1/tickets/${confirmed.id}/close`, { key: s.keys.acme });
  assert.equal(r.status, 200, r.text);
  // A witness resolved after both closes by the sweep: the sweep that
  // closed it had both of them (resolved earlier) in reach.
  await closedBySweep(await resolvedTicket(s, { summary: 'witness' }));
  assert.equal((await view(s, reopened, 'acme')).status, 'in_progress');
  assert.equal(await closedEvents(reopened), '0');
  assert.equal(await closedEvents(confirmed), '1');
  const v = await view(s, confirmed, 'integrator');
  assert.equal(v.timeline.find((e) => e.kind === 'closed').data.automatic, false);
});

test('two broker processes sweeping one database close each ticket exactly once', async () => {
  const other = await startNode(s, 'second', { KETEN_AUTO_CLOSE_S: String(AUTO_CLOSE_S) });
  try {
    const ts = [];
    for (let i = 0; i < 6; i++) ts.push(await resolvedTicket(s, { summary: `sweep ${i}` }));
    for (const t of ts) {
      await eventually(async () => (await view(s, t, 'acme')).status === 'closed', 30000, `ticket ${t.number} closed`);
    }
    // Sweeps kept running on both nodes (each ticks every second) until a
    // witness resolved after all of them closed by itself: still exactly
    // one close each.
    await closedBySweep(await resolvedTicket(s, { summary: 'witness' }));
    for (const t of ts) {
      assert.equal(await closedEvents(t), '1', t.number);
      assert.equal(await psql(s.db, `SELECT count(*) FROM events WHERE ticket_id = '${t.id}'
        AND kind = 'status_changed' AND data->>'to' = 'closed'`), '1', t.number);
    }
  } finally {
    await other.stop();
  }
});
