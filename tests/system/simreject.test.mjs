// simreject.test.mjs - the simulator's --reject-component through the real
// broker, as the quick start uses it: a supplier that rejects every new leg
// of one component by itself, after a delay, and the broker re-routes the
// ticket to the component's alternate (no hint) or to the hinted
// component's supplier; legs of other components are left alone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, eventually, chainDoc, psql } from './lib/harness.mjs';
import { ticketOf, eventsOf } from './lib/tickets.mjs';

const REJECT_AFTER_MS = 500;

// The harness chain (its "workplace" fans out to netco and hostco), plus
// two components of their own beside it: "mail" (hostco, netco its
// alternate), as "accounts" in the quick start, and "wan" (netco).
function chain(sims) {
  const d = chainDoc(sims);
  d.services[0].components.push(
    { key: 'mail', name: 'Mail', kind: 'application', supplier: 'hostco', alternates: ['netco'] },
    { key: 'wan', name: 'WAN', kind: 'network', supplier: 'netco' });
  return d;
}

let s;
before(async () => {
  s = await startStack({ chain, sim: {
    hostco: { args: ['--reject-component', 'mail', '--reject-after-ms', String(REJECT_AFTER_MS)] },
    netco: { args: ['--reject-component', 'wan', '--reject-reason', 'not the WAN: the servers are down',
      '--reject-hint', 'hosting', '--reject-after-ms', String(REJECT_AFTER_MS)] },
  } });
});
after(async () => { await s.stop(); });

async function open(component) {
  const r = await s.api('POST', '/v1/tickets', { key: s.keys.acme, body: {
    service: s.services['acme-workplace'], type: 'incident', summary: `${component} broken`,
    description: 'simulator rejection', impact: 2, urgency: 2, component } });
  assert.equal(r.status, 201, r.text);
  return r.json.id;
}

const simTicket = async (sim, legId) => (await sim.tickets()).find((x) => x.leg_id === legId);

test('--reject-component: the leg is rejected by itself after the delay and goes to the alternate', async () => {
  const id = await open('mail');
  const first = (await ticketOf(s, id)).legs.find((l) => l.supplier?.key === 'hostco');
  const t = await eventually(async () => {
    const v = await ticketOf(s, id);
    return eventsOf(v, 'rerouted').length === 1 && v;
  }, 15000, 'the rejection and re-route');
  const gone = t.legs.find((l) => l.id === first.id);
  assert.equal(gone.ended, 'rejected');
  const [rej] = eventsOf(t, 'rejected');
  assert.equal(rej.actor, 'supplier:hostco');
  assert.equal(rej.data.reason, 'not ours');
  assert.equal(await psql(s.db, `SELECT e.recorded_at - l.created_at >= interval '${REJECT_AFTER_MS} ms'
    FROM events e JOIN legs l ON l.id = e.leg_id WHERE e.leg_id = '${first.id}' AND e.kind = 'rejected'`),
  't', 'not before --reject-after-ms');
  const [rr] = eventsOf(t, 'rerouted');
  assert.equal(rr.data.verdict, 'forward');
  assert.deepEqual(rr.data.to, ['netco']);
  const next = t.legs.find((l) => l.supplier?.key === 'netco' && !l.ended);
  assert.equal(next.component_key, 'mail', 'the alternate takes the rejected component');
  assert.equal(t.hops, 1);
  // hostco's own ticket says rejected; netco keeps the one it got.
  assert.equal((await simTicket(s.sims.hostco, first.id)).status, 'rejected');
  await eventually(async () => (await simTicket(s.sims.netco, next.id)) !== undefined, 15000,
    'netco\'s create');
  const again = await ticketOf(s, id);
  assert.equal(eventsOf(again, 'rejected').length, 1);
  assert.equal(again.legs.find((l) => l.id === next.id).ended, null);
});

test('--reject-hint sends the ticket to the hinted component; other components are not rejected', async () => {
  const id = await open('wan');
  const t = await eventually(async () => {
    const v = await ticketOf(s, id);
    return eventsOf(v, 'rerouted').length === 1 && v;
  }, 15000, 'the rejection and re-route');
  const [rej] = eventsOf(t, 'rejected');
  assert.equal(rej.actor, 'supplier:netco');
  assert.equal(rej.data.reason, 'not the WAN: the servers are down');
  assert.equal(rej.data.component, 'hosting');
  const next = t.legs.find((l) => l.supplier?.key === 'hostco' && !l.ended);
  assert.equal(next.component_key, 'hosting');
  // A leg of a component nobody rejects stays, here and in the fan-out.
  const fan = await open(undefined);
  await eventually(async () => (await ticketOf(s, fan)).legs.every((l) => l.external_id), 15000, 'fan-out delivered');
  await new Promise((r) => setTimeout(r, REJECT_AFTER_MS * 3));
  for (const v of [await ticketOf(s, id), await ticketOf(s, fan)]) {
    assert.equal(eventsOf(v, 'rejected').length, v.id === id ? 1 : 0);
  }
  const f = await ticketOf(s, fan);
  assert.deepEqual(f.legs.map((l) => [l.supplier.key, l.ended]).sort(), [['hostco', null], ['netco', null]]);
});
