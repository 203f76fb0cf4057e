// lifecycle.test.mjs - resolution confirmation: the customer (or the
// integrator) closes a resolved ticket (its legs close and their suppliers
// are told) or reopens it with a reason; a reopen puts the legs that
// resolved it back in progress and tells exactly their suppliers why;
// anything but a resolved ticket is 409; other tenants get 404, suppliers
// 403; bad bodies change nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, eventually, psql } from './lib/harness.mjs';
import { dispatchRounds } from './lib/metrics.mjs';
import { deliveredTicket, resolvedTicket, update, view, sent, settled, snapshot } from './lib/tickets.mjs';

let s;
before(async () => { s = await startStack(); });
after(async () => { await s.stop(); });

const post = (t, action, who, opts = {}) =>
  s.api('POST', `/v1/tickets/${t.id}/${action}`, { key: s.keys[who], ...opts });

// hostco drops out of t: the integrator routes t to netco alone, which
// withdraws hostco's leg (cancelled); a supplier cannot cancel its own leg.
async function withdrawHostco(t) {
  const r = await s.api('POST', `/v1/tickets/${t.id}/route`, { key: s.keys.integrator,
    body: { suppliers: ['netco'], reason: 'hostco is not needed' } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.legs.find((l) => l.id === t.legs.hostco).status, 'cancelled');
  assert.ok(r.json.legs.some((l) => l.id === t.legs.netco && l.status !== 'cancelled'),
    'netco keeps its leg');
}

test('close confirms a resolved ticket: closed for good, on the timeline', async () => {
  const t = await resolvedTicket(s);
  assert.notEqual(await psql(s.db, `SELECT resolved_at IS NOT NULL FROM tickets WHERE id = '${t.id}'`), 'f');
  const r = await post(t, 'close', 'acme');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.status, 'closed');
  assert.equal(r.json.legs, undefined, 'the answer is the customer\'s view');
  const closed = r.json.timeline.filter((e) => e.kind === 'closed');
  assert.equal(closed.length, 1);
  assert.equal(closed[0].text, 'resolution confirmed');
  assert.equal(closed[0].actor, 'customer');
  assert.ok(r.json.timeline.some((e) => e.kind === 'status_changed' && e.from === 'resolved' && e.to === 'closed'));
  assert.equal(await psql(s.db, `SELECT status || ',' || consolidated || ',' || (closed_at IS NOT NULL)
    || ',' || (resolved_at IS NOT NULL) FROM tickets WHERE id = '${t.id}'`), 'closed,closed,true,true');
  // Closed is final: neither close nor reopen again, nothing changes
  // (once the close's own updates to the suppliers were delivered).
  await settled(s, t);
  const before = await snapshot(s, t);
  for (const [action, body] of [['close', undefined], ['reopen', { reason: 'too late' }]]) {
    const again = await post(t, action, 'acme', { body });
    assert.equal(again.status, 409, again.text);
    assert.equal(again.json.error.code, 'not_resolved');
    assert.match(again.json.error.message, /closed/);
  }
  assert.equal(await snapshot(s, t), before);
  // A supplier's later update does not bring a closed ticket back.
  await update(s, t, 'netco', { status: 'in_progress' });
  assert.equal((await view(s, t, 'acme')).status, 'closed');
});

test('close closes the legs and tells each supplier of a leg still there that the customer confirmed', async () => {
  const t = await resolvedTicket(s);
  const r = await post(t, 'close', 'acme');
  assert.equal(r.status, 200, r.text);
  assert.equal(await psql(s.db, `SELECT string_agg(status, ',') FROM legs WHERE ticket_id = '${t.id}'`), 'closed,closed');
  for (const who of ['netco', 'hostco']) {
    // (an empty list is truthy: wait for the first one)
    const got = await eventually(async () => {
      const told = (await sent(s, t, who, 'update')).filter((x) => x.json.close);
      return told.length > 0 && told;
    }, 15000, `${who} told of the close`);
    assert.equal(got.length, 1);
    assert.equal(got[0].verified, true);
    assert.deepEqual(got[0].json.close, { automatic: false });
    assert.equal(got[0].json.data.leg.id, t.legs[who]);
    assert.equal(got[0].json.data.leg.status, 'closed');
    const own = (await view(s, t, who)).timeline.filter((e) => e.kind === 'leg_closed');
    assert.equal(own.length, 1);
    assert.equal(own[0].from, 'resolved');
  }
  const i = (await view(s, t, 'integrator')).timeline.filter((e) => e.kind === 'leg_closed');
  assert.deepEqual(i.map((e) => e.data.automatic), [false, false]);
  assert.ok(!(await view(s, t, 'acme')).timeline.some((e) => e.kind === 'leg_closed'));

  // A leg the integrator withdrew is left alone, and that supplier told nothing.
  const c = await deliveredTicket(s);
  await withdrawHostco(c);
  await settled(s, c);
  await update(s, c, 'netco', { status: 'resolved' });
  const hostcoBefore = (await sent(s, c, 'hostco')).length;
  assert.equal((await post(c, 'close', 'integrator')).status, 200);
  assert.equal(await psql(s.db, `SELECT status FROM legs WHERE id = '${c.legs.hostco}'`), 'cancelled');
  assert.equal(await psql(s.db, `SELECT status FROM legs WHERE id = '${c.legs.netco}'`), 'closed');
  await eventually(async () => (await sent(s, c, 'netco', 'update')).some((x) => x.json.close),
    15000, 'netco told of the close');
  await settled(s, c);
  assert.equal((await sent(s, c, 'hostco')).length, hostcoBefore);
  assert.equal(await psql(s.db, `SELECT count(*) FROM outbox WHERE leg_id = '${c.legs.hostco}' AND payload ? 'close'`), '0');
});

test('reopen: the ticket and the legs that resolved it go back in progress, and exactly their suppliers hear why', async () => {
  const t = await deliveredTicket(s);
  // hostco drops out (its leg withdrawn), netco resolves: resolved by netco alone.
  await withdrawHostco(t);
  await settled(s, t);
  await update(s, t, 'netco', { status: 'resolved', comment: 'replaced the VPN concentrator' });
  assert.equal((await view(s, t, 'acme')).status, 'resolved');
  const updatesBefore = { netco: (await sent(s, t, 'netco', 'update')).length,
    hostco: (await sent(s, t, 'hostco')).length };

  const reason = 'still no VPN from the Utrecht office — tested 10:15';
  const r = await post(t, 'reopen', 'acme', { body: { reason } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.status, 'in_progress');
  const reopened = r.json.timeline.filter((e) => e.kind === 'reopened');
  assert.equal(reopened.length, 1);
  assert.equal(reopened[0].text, reason);
  assert.equal(await psql(s.db, `SELECT status || ',' || consolidated || ',' || (resolved_at IS NULL)
    FROM tickets WHERE id = '${t.id}'`), 'in_progress,in_progress,true');
  assert.equal(await psql(s.db, `SELECT status FROM legs WHERE id = '${t.legs.netco}'`), 'in_progress');
  assert.equal(await psql(s.db, `SELECT status FROM legs WHERE id = '${t.legs.hostco}'`), 'cancelled');

  // netco gets one update carrying the reason; hostco gets nothing at all.
  const got = await eventually(async () => {
    const u = await sent(s, t, 'netco', 'update');
    return u.length > updatesBefore.netco && u;
  }, 15000, 'netco to be told');
  const msg = got[got.length - 1];
  assert.equal(msg.verified, true);
  assert.deepEqual(msg.json.reopen, { reason });
  assert.equal(msg.json.data.leg.id, t.legs.netco);
  assert.equal(msg.json.data.leg.status, 'in_progress');
  assert.equal(msg.json.version, 2);
  assert.equal(msg.json.data.timeline, undefined, 'what changed is sent, not the history');
  await settled(s, t);
  await dispatchRounds(s); // a stray message would have gone out by now
  assert.equal((await sent(s, t, 'netco', 'update')).length, updatesBefore.netco + 1);
  assert.equal((await sent(s, t, 'hostco')).length, updatesBefore.hostco, 'hostco did not resolve it');
  assert.equal(await psql(s.db, `SELECT count(*) FROM outbox WHERE leg_id = '${t.legs.hostco}'
    AND payload ? 'reopen'`), '0');

  // netco sees its leg reopened with the reason; hostco sees no reason.
  const n = await view(s, t, 'netco');
  assert.equal(n.leg.status, 'in_progress');
  assert.ok(n.timeline.some((e) => e.kind === 'leg_reopened' && e.text === reason && e.from === 'resolved'));
  assert.ok(!JSON.stringify(await view(s, t, 'hostco')).includes('leg_reopened'));

  // Not resolved any more: a second reopen is 409 and changes nothing.
  await settled(s, t);
  const before = await snapshot(s, t);
  const again = await post(t, 'reopen', 'acme', { body: { reason } });
  assert.equal(again.status, 409);
  assert.equal(again.json.error.code, 'not_resolved');
  assert.equal(await snapshot(s, t), before);

  // netco resolves again: resolved (with a new resolved_at), and it may be closed.
  await update(s, t, 'netco', { status: 'resolved' });
  assert.equal((await view(s, t, 'acme')).status, 'resolved');
  assert.equal(await psql(s.db, `SELECT resolved_at IS NOT NULL FROM tickets WHERE id = '${t.id}'`), 't');
  assert.equal((await post(t, 'close', 'acme')).status, 200);
});

test('a reopen of a ticket both suppliers resolved tells both, once each', async () => {
  const t = await resolvedTicket(s);
  const r = await post(t, 'reopen', 'integrator', { body: { reason: 'monitoring still red' } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.status, 'in_progress');
  assert.ok(Array.isArray(r.json.legs), 'the integrator\'s view');
  assert.ok(r.json.legs.every((l) => l.status === 'in_progress'));
  for (const who of ['netco', 'hostco']) {
    await eventually(async () => (await sent(s, t, who, 'update'))
      .filter((x) => x.json.reopen?.reason === 'monitoring still red').length === 1, 15000, `${who} told`);
  }
  const c = await view(s, t, 'acme');
  const ev = c.timeline.find((e) => e.kind === 'reopened');
  assert.equal(ev.actor, 'integrator');
  assert.equal(ev.text, 'monitoring still red');
});

test('only a resolved ticket can be closed or reopened: 409 with a JSON error, nothing changed', async () => {
  const t = await deliveredTicket(s);
  await update(s, t, 'netco', { status: 'resolved' });
  await update(s, t, 'hostco', { status: 'in_progress' });
  assert.equal((await view(s, t, 'acme')).status, 'in_progress');
  const before = await snapshot(s, t);
  for (const [action, body] of [['close', undefined], ['reopen', { reason: 'x' }]]) {
    for (const who of ['acme', 'integrator']) {
      const r = await post(t, action, who, { body });
      assert.equal(r.status, 409, `${action} by ${who}: ${r.text}`);
      assert.equal(r.json.error.code, 'not_resolved');
      assert.match(r.json.error.message, /in_progress/);
    }
  }
  assert.equal(await snapshot(s, t), before);
});

test('other tenants get 404, suppliers 403, and the ticket stays as it was', async () => {
  const t = await resolvedTicket(s);
  const before = await snapshot(s, t);
  for (const [action, body] of [['close', undefined], ['reopen', { reason: 'not yours' }]]) {
    const g = await post(t, action, 'globex', { body });
    assert.equal(g.status, 404, g.text);
    assert.equal(g.json.error.code, 'not_found');
    for (const who of ['netco', 'hostco']) {
      const r = await post(t, action, who, { body });
      assert.equal(r.status, 403, r.text);
      assert.equal(r.json.error.code, 'forbidden');
    }
    const none = await s.api('POST', `/v1/tickets/00000000-0000-4000-8000-000000000000/${action}`,
      { key: s.keys.acme, body });
    assert.equal(none.status, 404);
    const bad = await s.api('POST', `/v1/tickets/not-a-ticket/${action}`, { key: s.keys.acme, body });
    assert.equal(bad.status, 404);
    assert.equal(bad.json.error.code, 'not_found');
  }
  assert.equal(await snapshot(s, t), before);
  assert.equal((await view(s, t, 'acme')).status, 'resolved');
});

test('a reopen needs a reason: bad bodies are 4xx JSON errors and change nothing', async () => {
  const t = await resolvedTicket(s);
  const before = await snapshot(s, t);
  const cases = [
    [{ body: {} }, 422, 'invalid_reopen', ['/reason']],
    [{ body: { reason: '' } }, 422, 'invalid_reopen', ['/reason']],
    [{ body: { reason: 42 } }, 422, 'invalid_reopen', ['/reason']],
    [{ body: { reason: null } }, 422, 'invalid_reopen', ['/reason']],
    [{ body: { reason: 'x'.repeat(65537) } }, 422, 'invalid_reopen', ['/reason']],
    [{ body: { reason: 'ok', status: 'new' } }, 422, 'invalid_reopen', ['/status']],
    [{ raw: '{"reason": ' }, 400, 'invalid_json'],
    [{ raw: '["reason"]' }, 400, 'invalid_json'],
    [{ raw: '' }, 400, 'invalid_json'],
    [{ body: { reason: 'x' }, headers: { 'content-type': 'text/plain' } }, 415, 'unsupported_media_type'],
  ];
  for (const [opts, status, code, paths] of cases) {
    const r = await post(t, 'reopen', 'acme', opts);
    assert.equal(r.status, status, `${JSON.stringify(opts).slice(0, 80)}: ${r.text.slice(0, 200)}`);
    assert.equal(r.json.error.code, code);
    assert.equal(typeof r.json.error.message, 'string');
    if (paths) assert.deepEqual(r.json.error.details.map((d) => d.path), paths);
  }
  assert.equal(await snapshot(s, t), before);
  assert.equal((await view(s, t, 'acme')).status, 'resolved');
});

test('a supplier cannot cancel its own leg, nor close one it has not resolved: 422, nothing changes', async () => {
  const t = await deliveredTicket(s);
  const before = await snapshot(s, t);
  for (const status of ['cancelled', 'closed']) {
    const r = await s.sims.hostco.send({ leg_id: t.legs.hostco, status });
    assert.equal(r.status, 422, JSON.stringify(r));
    assert.equal(r.body.error.code, 'status_not_allowed', JSON.stringify(r.body));
  }
  assert.deepEqual(await snapshot(s, t), before, 'nothing changed');
  assert.notEqual(await psql(s.db, `SELECT status FROM legs WHERE id = '${t.legs.hostco}'`), 'cancelled');
  // Resolved first, its own leg may then be closed by it.
  await update(s, t, 'hostco', { status: 'resolved' });
  await update(s, t, 'hostco', { status: 'closed' });
  assert.equal(await psql(s.db, `SELECT status FROM legs WHERE id = '${t.legs.hostco}'`), 'closed');
});
