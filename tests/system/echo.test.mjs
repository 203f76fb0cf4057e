// echo.test.mjs - echo suppression (issue 5): both simulators echo every
// comment they are sent straight back as a public comment, with the
// broker's origin marker or with the text alone. A customer comment goes
// to netco and hostco once, both echoes are recognised (an integrator-only
// "echo" event) and relayed nowhere, so the loop stops after one round;
// a supplier's own new comment is still relayed.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, eventually, psql } from './lib/harness.mjs';
import { dispatchRounds } from './lib/metrics.mjs';
import { deliveredTicket, update, view, sent, settled } from './lib/tickets.mjs';

let s;
before(async () => { s = await startStack(); });
after(async () => { await s.stop(); });
afterEach(async () => { for (const sim of Object.values(s.sims)) await sim.echo('off'); });

// The loop had its chance to go on: every message of ticket t is done (a
// relayed echo would be one of them, queued with the echo) and the
// dispatcher claimed twice more.
async function quiet(t) {
  await settled(s, t);
  await dispatchRounds(s);
}

const commentCount = async (t, who) => (await sent(s, t, who, 'comment')).length;
const echoEvents = (t) => psql(s.db, `SELECT count(*) FROM events WHERE ticket_id = '${t.id}' AND kind = 'echo'`);
const commentEvents = (t) => psql(s.db, `SELECT count(*) FROM events WHERE ticket_id = '${t.id}' AND kind = 'comment'`);

for (const mode of ['marker', 'text']) {
  test(`a customer comment echoed by both suppliers (${mode}) stops after one round`, async () => {
    const t = await deliveredTicket(s);
    for (const sim of Object.values(s.sims)) await sim.echo(mode);
    const text = `Any news? (${mode})`;
    const r = await s.api('POST', `/v1/tickets/${t.id}/comments`, { key: s.keys.acme, body: { text } });
    assert.equal(r.status, 201, r.text);

    await eventually(async () => await echoEvents(t) === '2', 20000, 'both echoes recorded');
    await quiet(t);
    assert.equal(await commentCount(t, 'netco'), 1, 'netco was sent the comment once');
    assert.equal(await commentCount(t, 'hostco'), 1, 'hostco was sent the comment once');
    assert.equal(await echoEvents(t), '2');
    assert.equal(await commentEvents(t), '1', 'the echoes are no comments');
    assert.equal(await psql(s.db, `SELECT count(*) FROM outbox o JOIN legs l ON l.id = o.leg_id
      WHERE l.ticket_id = '${t.id}' AND o.operation = 'comment'`), '2');
    for (const who of ['netco', 'hostco']) {
      const echoed = (await s.sims[who].received()).filter((x) => x.json?.data?.id === t.id);
      assert.ok(echoed.every((x) => x.answered === 200 || x.answered === 201));
    }

    const i = (await view(s, t, 'integrator')).timeline.filter((e) => e.kind === 'echo');
    assert.deepEqual(i.map((e) => e.data.matched), [mode === 'marker' ? 'origin' : 'text', mode === 'marker' ? 'origin' : 'text']);
    assert.deepEqual(new Set(i.map((e) => e.leg_id)), new Set([t.legs.netco, t.legs.hostco]));
    for (const e of i) {
      assert.equal(e.visibility, 'integrator');
      assert.equal(e.data.text, text);
      assert.equal(e.data.of, `keten:event:${r.json.id}`);
    }
    // The customer sees its comment once, and no echo.
    const c = await view(s, t, 'acme');
    assert.equal(c.timeline.filter((e) => e.text === text).length, 1);
    assert.ok(!c.timeline.some((e) => e.kind === 'echo'));
    for (const who of ['netco', 'hostco']) {
      assert.ok(!JSON.stringify(await view(s, t, who)).includes('"echo"'));
    }
  });
}

test('a supplier\'s public comment relayed to the other supplier and echoed back goes no further', async () => {
  const t = await deliveredTicket(s);
  for (const sim of Object.values(s.sims)) await sim.echo('marker');
  const text = 'NETCO: maintenance window tonight 22:00-23:00';
  await update(s, t, 'netco', { comment: { text, public: true } });
  await eventually(async () => await echoEvents(t) === '1', 20000, 'hostco\'s echo recorded');
  await quiet(t);
  assert.equal(await commentCount(t, 'hostco'), 1);
  assert.equal(await commentCount(t, 'netco'), 0, 'netco never gets its own comment back');
  const e = (await view(s, t, 'integrator')).timeline.find((x) => x.kind === 'echo');
  assert.equal(e.leg_id, t.legs.hostco);
  assert.equal(e.actor, 'supplier:hostco');

  // A new comment of hostco's own is no echo: it still reaches netco
  // (whose echo of it is caught in turn).
  await s.sims.hostco.echo('off');
  const own = 'HOSTCO: the maintenance does not affect hosting';
  await update(s, t, 'hostco', { comment: { text: own, public: true } });
  await eventually(async () => (await sent(s, t, 'netco', 'comment')).some((x) => x.json.comment.text === own),
    15000, 'netco to get hostco\'s own comment');
  await eventually(async () => await echoEvents(t) === '2', 15000, 'netco\'s echo recorded');
  await quiet(t);
  assert.equal(await commentCount(t, 'netco'), 1);
  assert.equal(await commentCount(t, 'hostco'), 1);
});

test('an origin marker that is not ours for that leg does not make an echo', async () => {
  const t = await deliveredTicket(s);
  const r = await s.api('POST', `/v1/tickets/${t.id}/comments`, { key: s.keys.integrator,
    body: { text: 'only for hostco', visibility: 'supplier', leg: t.legs.hostco } });
  assert.equal(r.status, 201);
  await eventually(async () => (await commentCount(t, 'hostco')) === 1, 15000, 'hostco told');
  // netco quotes a marker it was never sent, with a new text: a real comment.
  const text = 'NETCO: the VPN is back';
  await update(s, t, 'netco', { comment: { text, public: true, origin: `keten:event:${r.json.id}` } });
  assert.equal(await echoEvents(t), '0');
  assert.ok((await view(s, t, 'acme')).timeline.some((e) => e.text === text));
  await eventually(async () => (await sent(s, t, 'hostco', 'comment')).some((x) => x.json.comment.text === text),
    15000, 'the comment relayed to hostco');
});
