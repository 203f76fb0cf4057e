// kill-topdesk.test.mjs - kill -9 of the delivering node at the worst
// moment of each TOPdesk write that is not idempotent: TOPdesk took the
// write (the simulator applied it and holds its answer), Keten has not
// recorded it. A fresh node takes the message over when the lease runs out
// and must first read whether the write landed: a create is found by its
// externalNumber, a comment's and a reopen's action by Keten's marker.
// TOPdesk holds exactly one copy each time, and the message and the leg end
// right (the kill itself: lib/kill.mjs). And the poll of the actions: two
// nodes poll while operators add actions, one is killed mid-way, and every
// action comes back exactly once.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, psql, sleep, startNode } from './lib/harness.mjs';
import { killer } from './lib/kill.mjs';
import { view } from './lib/tickets.mjs';
import { KEY, POLLED, US, topdeskEnv, startTopdesk, stopTopdesk } from './lib/topdesk.mjs';

let s;
let sim;
const config = {
  ...topdeskEnv, KETEN_LEASE_MS: '2500', KETEN_SUPPLIER_TIMEOUT_MS: '2000',
  KETEN_DISPATCH_INTERVAL_MS: '200', KETEN_RETRY_BASE_MS: '100', KETEN_RETRY_MAX_MS: '500',
  KETEN_SUPPLIER_SEARCH_LAG_MS: '0', KETEN_POLL_TICK_MS: '200',
};
const { killAtWrite, received, done, cleanup } = killer(() => s, () => sim, config);

before(async () => { ({ s, sim } = await startTopdesk({ KETEN_DISPATCH: '0' })); });
afterEach(cleanup);
after(async () => { await stopTopdesk(s, sim); });

const incidentsOf = async (leg) => (await sim.control('GET', '/_sim/incidents'))
  .filter((i) => i.externalNumber === leg);
const legOf = (ticket) => psql(s.db, `SELECT l.id FROM legs l JOIN suppliers p ON p.id = l.supplier_id
  WHERE l.ticket_id = '${ticket}' AND p.key IN ('${KEY}', '${POLLED}')`);
const messages = (leg) => psql(s.db, `SELECT operation || ':' || state FROM outbox WHERE leg_id = '${leg}' ORDER BY seq`);
const settled = (leg) => eventually(async () =>
  (await psql(s.db, `SELECT count(*) FROM outbox WHERE leg_id = '${leg}' AND state <> 'done'`)) === '0',
30000, 'the leg\'s messages done');

async function file(summary, service = 'acme-desk') {
  const r = await s.api('POST', '/v1/tickets', { key: s.keys.acme, body: { service: s.services[service],
    type: 'incident', summary, description: 'kill -9', impact: 2, urgency: 2 } });
  assert.equal(r.status, 201, r.text);
  return { ticket: r.json, leg: await legOf(r.json.id) };
}

async function delivered(summary) {
  const t = await file(summary);
  await settled(t.leg);
  const [inc] = await incidentsOf(t.leg);
  return { ...t, incident: inc };
}

test('create: killed once TOPdesk made the incident, the successor finds it by externalNumber', async () => {
  const { ctx: t, next, from } = await killAtWrite('POST', async () => null, () => file('Killed create'));
  await settled(t.leg);
  const mine = await incidentsOf(t.leg);
  assert.equal(mine.length, 1, 'one incident');
  const ext = await psql(s.db, `SELECT external_id FROM legs WHERE id = '${t.leg}'`);
  assert.equal(ext, mine[0].id, 'the leg names it');
  assert.equal(await messages(t.leg), 'create:done');
  const after = (await received()).slice(from);
  assert.ok(after.some((x) => x.method === 'GET' && x.path.includes(`externalNumber%3D%3D${t.leg}`)),
    'the successor looked the incident up');
  assert.equal(after.filter((x) => x.method === 'POST').length, 1, 'and never posted it again');
  await done(next);
});

test('comment: killed once the action was written, the successor finds its marker', async () => {
  const text = 'Killed comment: the VPN is back in Delft';
  const { ctx: t, next, from } = await killAtWrite('PATCH', () => delivered('Killed comment'), async (base) => {
    const r = await s.api('POST', `/v1/tickets/${base.ticket.id}/comments`, { key: s.keys.acme,
      body: { text, visibility: 'customer' } });
    assert.equal(r.status, 201, r.text);
    return base;
  });
  await settled(t.leg);
  const [inc] = await incidentsOf(t.leg);
  const mine = inc.actions.filter((a) => a.plainText.startsWith(text));
  assert.equal(mine.length, 1, `one action: ${JSON.stringify(inc.actions)}`);
  assert.equal(mine[0].invisibleForCaller, false);
  assert.equal(mine[0].operator.id, US);
  assert.equal(await messages(t.leg), 'create:done\ncomment:done');
  const after = (await received()).slice(from);
  assert.ok(after.some((x) => x.method === 'GET' && x.path.startsWith(`/tas/api/incidents/id/${inc.id}/actions`)),
    'the successor read the actions first');
  assert.equal(after.filter((x) => x.method === 'PATCH').length, 1, 'and never wrote the action again');
  const seen = (await view(s, t.ticket, 'integrator')).timeline.filter((e) => (e.text ?? e.data?.text) === text);
  assert.equal(seen.length, 1, 'the comment once on the timeline');
  await done(next);
});

test('reopen: killed once the reason was written, the successor finds its marker', async () => {
  const reason = 'Killed reopen: still dropping';
  const { ctx: t, next, from } = await killAtWrite('PATCH', async () => {
    const base = await delivered('Killed reopen');
    const c = await sim.control('POST', '/_sim/change', { incident: base.incident.id,
      processingStatus: 'Opgelost', completed: true });
    assert.equal(c.push.status, 200, JSON.stringify(c.push));
    await eventually(async () => (await psql(s.db, `SELECT status FROM legs WHERE id = '${base.leg}'`)) === 'resolved',
      10000, 'the leg resolved');
    return base;
  }, async (base) => {
    const r = await s.api('POST', `/v1/tickets/${base.ticket.id}/reopen`, { key: s.keys.acme, body: { reason } });
    assert.equal(r.status, 200, r.text);
    return base;
  });
  await settled(t.leg);
  const [inc] = await incidentsOf(t.leg);
  assert.equal(inc.actions.filter((a) => a.plainText.startsWith(reason)).length, 1,
    `one action with the reason: ${JSON.stringify(inc.actions)}`);
  assert.equal(inc.completed, false);
  assert.equal(inc.processingStatus.name, 'In behandeling');
  assert.ok((await messages(t.leg)).split('\n').every((m) => m.endsWith(':done')));
  const after = (await received()).slice(from);
  assert.equal(after.filter((x) => x.method === 'PATCH').length, 1, 'the reason written once');
  await done(next);
});

test('polled actions: two nodes poll, one killed with SIGKILL mid-way: every action comes back once', async () => {
  const a = await startNode(s, 'poller-a', config);
  const b = await startNode(s, 'poller-b', config);
  try {
    const t = await file('Polled by two nodes', 'acme-desk-polled');
    await settled(t.leg);
    const [inc] = await incidentsOf(t.leg);
    const texts = Array.from({ length: 12 }, (_, i) => `polled note ${i}`);
    for (const [i, text] of texts.entries()) {
      await sim.control('POST', '/_sim/change', { incident: inc.id, push: false, action: text,
        invisible: i % 3 === 0 });
      if (i === 5) await a.kill();
      await sleep(200);
    }
    const timeline = async () => (await view(s, t.ticket, 'integrator')).timeline
      .filter((e) => texts.includes(e.data?.text));
    await eventually(async () => new Set((await timeline()).map((e) => e.data.text)).size === texts.length,
      30000, 'every action polled');
    // Passes after that read them again (the overlap): still once each.
    const reads = async () => (await received()).filter((x) =>
      x.path.startsWith(`/tas/api/incidents/id/${inc.id}/actions?`)).length;
    const seen = await reads();
    await eventually(async () => (await reads()) >= seen + 2, 20000, 'two more reads of its actions');
    const tl = await timeline();
    for (const [i, text] of texts.entries()) {
      const mine = tl.filter((e) => e.data.text === text);
      assert.equal(mine.length, 1, `${text} once`);
      assert.equal(mine[0].visibility, i % 3 === 0 ? 'supplier' : 'customer', `${text}'s visibility`);
    }
    await b.stop();
  } finally {
    await a.kill();
    await b.kill();
  }
});
