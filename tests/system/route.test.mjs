// route.test.mjs - routing, triage and re-routing against the real broker,
// PostgreSQL and simulators: a ticket nothing routes waits in triage; the
// integrator routes by hand (new legs get a create, withdrawn ones a
// cancel, or their create is discarded when it never left); a customer
// cancels (every open leg's supplier gets a cancel); a supplier rejects a
// leg and the broker re-routes it by its hint, escalates instead of
// playing ping-pong (A -> B -> A) or past the hop limit, or sends it to
// triage; every bad body is a JSON error that changes nothing.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, eventually, psql, chainDoc } from './lib/harness.mjs';
import { checkSchema as check } from './lib/schema-check.mjs';
import { settled, eventsOf } from './lib/tickets.mjs';

// The harness chain, plus on acme-workplace: routing rules, configuration
// items, hostco as the VPN's alternate, and "legacy" (beside "workplace",
// so not part of its fan-out), delivered by deadco, a supplier nobody can
// reach; and acme-desk, a service with no default component, whose tickets
// wait in triage unless they name one.
function chain(sims) {
  const d = chainDoc(sims);
  d.suppliers.push({ key: 'deadco', name: 'DeadCo', adapter: 'webhook',
    endpoint: 'https://127.0.0.1:1/hooks', secret_ref: 'env:KETEN_SECRET_NETCO' });
  const w = d.services[0];
  w.components.push({ key: 'legacy', name: 'Legacy', kind: 'application', supplier: 'deadco' });
  const [vpn, hosting] = w.components[0].children;
  Object.assign(vpn, { alternates: ['hostco'], items: ['vpn-gw-01', 'vpn-gw-02'] });
  Object.assign(hosting, { items: ['srv-web-01'] });
  w.rules = [
    { type: 'request', component: 'hosting' },
    { category: 'remote-access', component: 'vpn' },
    { type: 'change', category: 'remote-access', component: 'workplace' },
    { type: 'change', category: 'remote-access', component: 'legacy' },
  ];
  d.services.push({ key: 'acme-desk', customer: 'acme', name: 'Desk Acme',
    components: [{ key: 'desk', name: 'Desk', kind: 'people', children: [
      { key: 'net', name: 'Network', kind: 'network', supplier: 'netco' },
      { key: 'servers', name: 'Servers', kind: 'hardware', supplier: 'hostco' }] }] });
  return d;
}

let s;
before(async () => {
  // One failed call opens a supplier's circuit for a minute: deadco's
  // create is tried once, then stays pending, never claimed again.
  s = await startStack({ chain, config: { KETEN_BREAKER_FAILURES: '1',
    KETEN_BREAKER_OPEN_MS: '60000', KETEN_BREAKER_OPEN_MAX_MS: '60000' } });
});
after(async () => { await s.stop(); });

async function open(body, key = s.keys.acme) {
  const r = await s.api('POST', '/v1/tickets', { key, body: {
    service: s.services['acme-workplace'], type: 'incident', summary: 'route test',
    description: 'routing', impact: 2, urgency: 2, ...body } });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

async function view(id, key = s.keys.integrator) {
  const r = await s.api('GET', `/v1/tickets/${id}`, { key });
  assert.equal(r.status, 200, r.text);
  return r.json;
}

const hooks = async (sim, id, type) => (await sim.received())
  .filter((x) => x.json?.type === type && x.json?.data?.id === id);

const legOf = (t, key) => t.legs.find((l) => l.supplier?.key === key && !l.ended);

// Every open supplier leg of ticket id has its supplier's ticket id.
const delivered = (id) => eventually(async () => {
  const t = await view(id);
  return t.legs.filter((l) => l.supplier && !l.ended).every((l) => l.external_id) && t;
}, 15000, 'creates delivered');

function route(id, body, key = s.keys.integrator) {
  return s.api('POST', `/v1/tickets/${id}/route`, { key, body });
}

async function reject(sim, legId, reject) {
  const r = await sim.send({ leg_id: legId, reject });
  assert.equal(r.status, 200, JSON.stringify(r));
  return r.body;
}

const count = (sql) => psql(s.db, sql);

describe('triage and routing by hand', () => {
  test('a ticket nothing routes waits in triage, "new" to its customer', async () => {
    const t = await open({ service: s.services['acme-desk'] });
    assert.equal(t.status, 'new');
    assert.equal(t.needs_triage, undefined, 'the customer does not see the triage flag');
    const i = await view(t.id);
    check('Ticket', i);
    assert.equal(i.needs_triage, true);
    assert.equal(i.escalated, false);
    assert.equal(i.legs.length, 1);
    assert.equal(i.legs[0].supplier, null);
    assert.deepEqual(eventsOf(i, 'triage').map((e) => e.data.by), ['triage']);
    // The queue: the integrator's list by state; others may not ask.
    const q = await s.api('GET', '/v1/tickets?state=needs_triage&limit=200', { key: s.keys.integrator });
    assert.equal(q.status, 200);
    check('TicketPage', q.json);
    assert.ok(q.json.items.some((x) => x.id === t.id));
    assert.ok(q.json.items.every((x) => x.needs_triage));
    let r = await s.api('GET', '/v1/tickets?state=needs_triage', { key: s.keys.acme });
    assert.equal(r.status, 403);
    assert.equal(r.json.error.code, 'forbidden');
    r = await s.api('GET', '/v1/tickets?state=open', { key: s.keys.integrator });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.code, 'invalid_state');
    for (const sim of Object.values(s.sims)) assert.deepEqual(await hooks(sim, t.id, 'leg.create'), []);
  });

  test('routing from triage: the supplier gets a create, the triage leg closes, the hop counts', async () => {
    const t = await open({ service: s.services['acme-desk'] });
    const r = await route(t.id, { suppliers: ['netco'], reason: 'network outage, clearly' });
    assert.equal(r.status, 200, r.text);
    check('Ticket', r.json);
    assert.equal(r.json.needs_triage, false);
    assert.equal(r.json.hops, 1);
    const leg = legOf(r.json, 'netco');
    assert.equal(leg.component_key, 'net', 'the supplier\'s component in the ticket\'s chain');
    assert.equal(leg.hops, 1);
    assert.equal(r.json.legs.find((l) => !l.supplier).ended, 'routed');
    const ev = eventsOf(r.json, 'rerouted');
    assert.equal(ev.length, 1);
    assert.deepEqual(ev[0].data.to, ['netco']);
    assert.equal(ev[0].data.reason, 'network outage, clearly');
    assert.equal(ev[0].visibility, 'integrator');
    await eventually(async () => (await hooks(s.sims.netco, t.id, 'leg.create')).length === 1,
      15000, 'netco create');
    // The customer sees none of it but its status.
    const c = await view(t.id, s.keys.acme);
    assert.ok(!JSON.stringify(c).includes('clearly'));
    assert.ok(!c.timeline.some((e) => ['rerouted', 'triage', 'triage_closed'].includes(e.kind)));
    // The same route again changes nothing.
    const before = await count(`SELECT count(*) FROM events WHERE ticket_id = '${t.id}'`);
    const again = await route(t.id, { suppliers: ['netco'], reason: 'again' });
    assert.equal(again.status, 200);
    assert.equal(again.json.hops, 1);
    assert.equal(await count(`SELECT count(*) FROM events WHERE ticket_id = '${t.id}'`), before);
    assert.equal(await count(`SELECT count(*) FROM legs WHERE ticket_id = '${t.id}'`), '2');
  });

  test('re-routing by hand withdraws the old leg: its supplier gets a cancel', async () => {
    const t = await open({ component: 'vpn' });
    await delivered(t.id);
    const r = await route(t.id, { component: 'hosting', reason: 'it is the hosting' });
    assert.equal(r.status, 200, r.text);
    const old = r.json.legs.find((l) => l.supplier.key === 'netco');
    assert.equal(old.ended, 'withdrawn');
    assert.equal(old.status, 'cancelled');
    assert.equal(legOf(r.json, 'hostco').component_key, 'hosting');
    assert.equal(eventsOf(r.json, 'withdrawn')[0].data.cancel, 'queued');
    const cancel = await eventually(async () => {
      const c = await hooks(s.sims.netco, t.id, 'leg.cancel');
      return c.length ? c : null;
    }, 15000, 'netco cancel');
    assert.equal(cancel.length, 1);
    assert.equal(cancel[0].json.data.leg.id, old.id);
    assert.equal(cancel[0].json.data.leg.status, 'cancelled');
    assert.equal((await s.sims.netco.tickets()).find((x) => x.leg_id === old.id).status, 'cancelled');
    await eventually(async () => (await hooks(s.sims.hostco, t.id, 'leg.create')).length === 1,
      15000, 'hostco create');
    // netco's late word about the withdrawn leg changes nothing.
    const u = await s.sims.netco.send({ leg_id: old.id, status: 'in_progress' });
    assert.equal(u.body.result, 'stale');
    const after = await view(t.id);
    assert.equal(after.legs.find((l) => l.id === old.id).status, 'cancelled');
    assert.equal(eventsOf(after, 'stale_update').at(-1).data.leg_ended, 'withdrawn');
  });

  test('a create that never left is discarded, not followed by a cancel', async () => {
    const t = await open({ component: 'legacy' });
    const [leg] = (await view(t.id)).legs;
    await eventually(async () => (await view(t.id)).legs[0].delivery?.outcome?.kind === 'not_sent',
      15000, 'the failed first attempt');
    const r = await route(t.id, { suppliers: ['netco'], reason: 'deadco is gone' });
    assert.equal(r.status, 200, r.text);
    const old = r.json.legs.find((l) => l.id === leg.id);
    assert.equal(old.ended, 'withdrawn');
    assert.equal(eventsOf(r.json, 'withdrawn')[0].data.cancel, 'create_discarded');
    const rows = await count(`SELECT operation || ':' || state || ':' || (history->-1->>'action')
      FROM outbox WHERE leg_id = '${leg.id}' ORDER BY seq`);
    assert.equal(rows, 'create:discarded:withdrawn');
  });

  test('bad routes are JSON errors and change nothing', async () => {
    const t = await open({ component: 'vpn' });
    await delivered(t.id);
    const snapshot = () => count(`SELECT (SELECT count(*) FROM events WHERE ticket_id = '${t.id}')
      || '/' || (SELECT count(*) FROM legs WHERE ticket_id = '${t.id}')
      || '/' || (SELECT hops FROM tickets WHERE id = '${t.id}')
      || '/' || (SELECT count(*) FROM outbox o JOIN legs l ON l.id = o.leg_id WHERE l.ticket_id = '${t.id}')`);
    const before = await snapshot();
    const cases = [
      [{}, 422, 'invalid_route', ''],
      [{ reason: 'x' }, 422, 'invalid_route', ''],
      [{ suppliers: ['netco'], component: 'vpn', reason: 'x' }, 422, 'invalid_route', ''],
      [{ suppliers: [], reason: 'x' }, 422, 'invalid_route', '/suppliers'],
      [{ suppliers: 'netco', reason: 'x' }, 422, 'invalid_route', '/suppliers'],
      [{ suppliers: ['netco', 'netco'], reason: 'x' }, 422, 'invalid_route', '/suppliers/1'],
      [{ suppliers: [7], reason: 'x' }, 422, 'invalid_route', '/suppliers/0'],
      [{ suppliers: ['hostco'] }, 422, 'invalid_route', '/reason'],
      [{ suppliers: ['hostco'], reason: '' }, 422, 'invalid_route', '/reason'],
      [{ suppliers: ['hostco'], reason: 'x'.repeat(1001) }, 422, 'invalid_route', '/reason'],
      [{ suppliers: ['hostco'], reason: 'x', hops: 0 }, 422, 'invalid_route', '/hops'],
      [{ suppliers: ['hostco', 'nosuch'], reason: 'x' }, 422, 'unknown_supplier', '/suppliers/1'],
      [{ component: 'nosuch', reason: 'x' }, 422, 'unknown_component', '/component'],
      [{ component: 'workplace-x', reason: 'x' }, 422, 'unknown_component', '/component'],
    ];
    for (const [body, status, code, path] of cases) {
      const r = await route(t.id, body);
      assert.equal(r.status, status, `${JSON.stringify(body)}: ${r.text}`);
      check('Error', r.json);
      assert.equal(r.json.error.code, code, JSON.stringify(body));
      assert.ok(r.json.error.details.some((d) => d.path === path), `${JSON.stringify(body)}: ${r.text}`);
    }
    let r = await s.api('POST', `/v1/tickets/${t.id}/route`, { key: s.keys.integrator, raw: '{"suppliers": [' });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.code, 'invalid_json');
    r = await route(t.id, { suppliers: ['hostco'], reason: 'x' }, s.keys.acme);
    assert.equal(r.status, 403);
    r = await route(t.id, { suppliers: ['hostco'], reason: 'x' }, s.keys.netco);
    assert.equal(r.status, 403);
    r = await route('00000000-0000-4000-8000-000000000000', { suppliers: ['hostco'], reason: 'x' });
    assert.equal(r.status, 404);
    assert.equal(r.json.error.code, 'not_found');
    assert.equal(await snapshot(), before);
  });
});

describe('cancelling', () => {
  test('a customer cancels: every open leg\'s supplier gets a cancel', async () => {
    const t = await open({});
    assert.equal((await delivered(t.id)).legs.length, 2);
    const r = await s.api('POST', `/v1/tickets/${t.id}/cancel`, { key: s.keys.acme,
      body: { reason: 'found the cable' } });
    assert.equal(r.status, 200, r.text);
    check('Ticket', r.json);
    assert.equal(r.json.status, 'cancelled');
    assert.ok(r.json.timeline.some((e) => e.kind === 'cancelled' && e.text === 'found the cable'));
    for (const key of ['netco', 'hostco']) {
      const c = await eventually(async () => {
        const got = await hooks(s.sims[key], t.id, 'leg.cancel');
        return got.length ? got : null;
      }, 15000, `${key} cancel`);
      assert.equal(c.length, 1);
    }
    const i = await view(t.id);
    assert.ok(i.legs.every((l) => l.status === 'cancelled' && l.ended === 'cancelled'));
    assert.equal(i.own_status, 'cancelled');
    // Cancelled is final: cancel and route again are 409 and change nothing
    // (counted once the cancels' outcomes are recorded).
    await settled(s, t);
    const before = await count(`SELECT count(*) FROM events WHERE ticket_id = '${t.id}'`);
    let again = await s.api('POST', `/v1/tickets/${t.id}/cancel`, { key: s.keys.acme, body: {} });
    assert.equal(again.status, 409);
    check('Error', again.json);
    assert.equal(again.json.error.code, 'ticket_closed');
    again = await route(t.id, { suppliers: ['netco'], reason: 'x' });
    assert.equal(again.status, 409);
    assert.equal(again.json.error.code, 'ticket_closed');
    assert.equal(await count(`SELECT count(*) FROM events WHERE ticket_id = '${t.id}'`), before);
  });

  test('another tenant gets 404, a supplier 403; bad bodies change nothing', async () => {
    const t = await open({ component: 'vpn' });
    let r = await s.api('POST', `/v1/tickets/${t.id}/cancel`, { key: s.keys.globex, body: {} });
    assert.equal(r.status, 404);
    assert.equal(r.json.error.code, 'not_found');
    r = await s.api('POST', `/v1/tickets/${t.id}/cancel`, { key: s.keys.netco, body: {} });
    assert.equal(r.status, 403);
    for (const body of [{ reason: '' }, { reason: 5 }, { why: 'x' }]) {
      r = await s.api('POST', `/v1/tickets/${t.id}/cancel`, { key: s.keys.acme, body });
      assert.equal(r.status, 422, JSON.stringify(body));
      assert.equal(r.json.error.code, 'invalid_cancel');
    }
    r = await s.api('POST', '/v1/tickets/not-a-ticket/cancel', { key: s.keys.acme, body: {} });
    assert.equal(r.status, 404);
    assert.equal((await view(t.id, s.keys.acme)).status, 'new');
    // The integrator may cancel any ticket; one still in triage closes it.
    const d = await open({ service: s.services['acme-desk'] });
    r = await s.api('POST', `/v1/tickets/${d.id}/cancel`, { key: s.keys.integrator, body: {} });
    assert.equal(r.status, 200);
    assert.equal(r.json.needs_triage, false);
    assert.equal(r.json.status, 'cancelled');
  });
});

describe('rejections', () => {
  test('a rejection with a hint re-routes to the hinted component\'s supplier', async () => {
    const t = await open({ component: 'vpn' });
    const netLeg = legOf(await delivered(t.id), 'netco');
    assert.equal((await reject(s.sims.netco, netLeg.id, { reason: 'not ours: the host is down',
      component: 'hosting' })).result, 'applied');
    const i = await view(t.id);
    check('Ticket', i);
    assert.equal(i.hops, 1);
    assert.equal(i.escalated, false);
    const gone = i.legs.find((l) => l.id === netLeg.id);
    assert.equal(gone.ended, 'rejected');
    assert.equal(gone.status, 'cancelled');
    const next = legOf(i, 'hostco');
    assert.equal(next.component_key, 'hosting');
    assert.equal(next.hops, 1);
    const [ev] = eventsOf(i, 'rerouted');
    assert.equal(ev.data.verdict, 'forward');
    assert.equal(ev.data.reason, 'not ours: the host is down');
    assert.equal(ev.data.from, 'netco');
    assert.deepEqual(ev.data.to, ['hostco']);
    assert.equal(ev.data.hop, 1);
    assert.equal(eventsOf(i, 'rejected')[0].actor, 'supplier:netco');
    await eventually(async () => (await hooks(s.sims.hostco, t.id, 'leg.create')).length === 1,
      15000, 'hostco create');
    // netco is not sent a cancel for the leg it rejected.
    assert.deepEqual(await hooks(s.sims.netco, t.id, 'leg.cancel'), []);
    // The customer sees its status, not the reasons or the suppliers.
    const c = await view(t.id, s.keys.acme);
    assert.equal(c.status, 'new');
    assert.ok(!JSON.stringify(c).includes('host is down'));
    assert.ok(!JSON.stringify(c).includes('netco') && !JSON.stringify(c).includes('hostco'));
    assert.ok(!c.timeline.some((e) => ['rejected', 'rerouted'].includes(e.kind)));
    // hostco's view holds its own leg only, nothing of netco's rejection.
    const h = await view(t.id, s.keys.hostco);
    assert.equal(h.leg.id, next.id);
    assert.ok(!JSON.stringify(h).includes('host is down'));
    // A second word about the rejected leg is stale.
    const u = await s.sims.netco.send({ leg_id: netLeg.id, reject: { reason: 'still not ours' } });
    assert.equal(u.body.result, 'stale');
  });

  test('A -> B -> A: netco rejects to hosting, hostco back to vpn: escalated, no second create', async () => {
    const t = await open({ component: 'vpn' });
    const netLeg = legOf(await delivered(t.id), 'netco');
    await reject(s.sims.netco, netLeg.id, { reason: 'hosting issue', component: 'hosting' });
    const hostLeg = legOf(await delivered(t.id), 'hostco');
    await reject(s.sims.hostco, hostLeg.id, { reason: 'no, network issue', component: 'vpn' });
    const i = await view(t.id);
    assert.equal(i.escalated, true);
    assert.ok(i.escalated_at);
    assert.equal(i.needs_triage, true);
    assert.equal(i.hops, 1, 'an escalation is not a hop');
    assert.equal(i.legs.filter((l) => l.supplier && !l.ended).length, 0);
    const [ev] = eventsOf(i, 'escalated');
    assert.equal(ev.data.verdict, 'returned');
    assert.equal(ev.data.returned_to, 'netco');
    assert.equal(ev.data.from, 'hostco');
    assert.equal(ev.data.reason, 'no, network issue');
    const q = await s.api('GET', '/v1/tickets?state=escalated&limit=200', { key: s.keys.integrator });
    assert.ok(q.json.items.some((x) => x.id === t.id));
    assert.ok(q.json.items.every((x) => x.escalated));
    // Give the dispatcher time to do anything it wrongly queued.
    await eventually(async () => await count(`SELECT count(*) FROM outbox o JOIN legs l ON l.id = o.leg_id
      WHERE l.ticket_id = '${t.id}' AND o.state = 'pending'`) === '0', 15000, 'outbox drained');
    assert.equal((await hooks(s.sims.netco, t.id, 'leg.create')).length, 1, 'netco never gets a second create');
    assert.equal((await view(t.id, s.keys.acme)).status, 'new');
    // The integrator decides: the escalation ends, the hop counts.
    const r = await route(t.id, { suppliers: ['netco'], reason: 'it is the VPN after all' });
    assert.equal(r.status, 200);
    assert.equal(r.json.escalated, false);
    assert.equal(r.json.needs_triage, false);
    assert.equal(r.json.hops, 2);
    await eventually(async () => (await hooks(s.sims.netco, t.id, 'leg.create')).length === 2,
      15000, 'netco routed by hand');
  });

  test('past the hop limit (3) a rejection escalates instead of forwarding', async () => {
    const t = await open({ component: 'vpn' });
    await delivered(t.id);
    for (const key of ['hostco', 'netco', 'hostco']) {
      const r = await route(t.id, { suppliers: [key], reason: `to ${key}` });
      assert.equal(r.status, 200, r.text);
    }
    const before = await delivered(t.id);
    assert.equal(before.hops, 3);
    const creates = (await hooks(s.sims.netco, t.id, 'leg.create')).length;
    await reject(s.sims.hostco, legOf(before, 'hostco').id, { reason: 'vpn again', component: 'vpn' });
    const i = await view(t.id);
    assert.equal(i.escalated, true);
    assert.equal(i.hops, 3);
    const [ev] = eventsOf(i, 'escalated');
    assert.equal(ev.data.verdict, 'hop_limit');
    assert.equal(ev.data.hop_limit, 3);
    assert.equal(await count(`SELECT count(*) FROM legs WHERE ticket_id = '${t.id}' AND supplier_id IS NOT NULL`), '4');
    assert.equal((await hooks(s.sims.netco, t.id, 'leg.create')).length, creates);
  });

  test('a rejection without a hint goes to the component\'s next alternate, then to triage', async () => {
    const t = await open({ component: 'vpn' });
    const netLeg = legOf(await delivered(t.id), 'netco');
    await reject(s.sims.netco, netLeg.id, { reason: 'not ours' });
    let i = await view(t.id);
    const alt = legOf(i, 'hostco');
    assert.equal(alt.component_key, 'vpn', 'the alternate takes the rejected component');
    assert.equal(i.hops, 1);
    assert.equal(eventsOf(i, 'rerouted')[0].data.verdict, 'forward');
    assert.deepEqual(eventsOf(i, 'rerouted')[0].data.to, ['hostco']);
    await eventually(async () => (await hooks(s.sims.hostco, t.id, 'leg.create')).length === 1,
      15000, 'the alternate\'s create');
    await delivered(t.id);
    // hostco, the last alternate, rejects too: nobody left, triage.
    await reject(s.sims.hostco, alt.id, { reason: 'not ours either' });
    i = await view(t.id);
    assert.equal(i.needs_triage, true);
    assert.equal(i.escalated, false);
    assert.equal(i.hops, 1);
    assert.equal(eventsOf(i, 'rerouted')[1].data.verdict, 'triage');
    assert.equal((await hooks(s.sims.netco, t.id, 'leg.create')).length, 1);
  });

  test('no hint and no alternate: triage; a hint the chain lacks is noted and ignored', async () => {
    for (const hint of [undefined, 'nosuch']) {
      const t = await open({ component: 'hosting' });
      const leg = legOf(await delivered(t.id), 'hostco');
      await reject(s.sims.hostco, leg.id, { reason: 'not ours', ...(hint ? { component: hint } : {}) });
      const i = await view(t.id);
      assert.equal(i.needs_triage, true);
      assert.equal(i.escalated, false);
      assert.equal(i.hops, 0);
      const [ev] = eventsOf(i, 'rerouted');
      assert.equal(ev.data.verdict, 'triage');
      assert.equal(ev.data.hint_ignored, hint ? 'no such component in the ticket\'s chain' : undefined);
      assert.equal(eventsOf(i, 'triage').at(-1).data.by, 'reject');
    }
  });

  test('bad rejections are refused and change nothing', async () => {
    const t = await open({ component: 'vpn' });
    const leg = legOf(await delivered(t.id), 'netco');
    const before = await count(`SELECT count(*) FROM events WHERE ticket_id = '${t.id}'`);
    for (const body of [{ reject: { reason: 'x' }, status: 'in_progress' }, { reject: {} },
      { reject: 'not ours' }, { reject: { reason: 'x', component: 'y'.repeat(64) } }]) {
      const r = await s.sims.netco.send({ leg_id: leg.id, ...body });
      assert.equal(r.status, 422, JSON.stringify(body));
      assert.equal(r.body.error.code, 'invalid_update');
      assert.ok(r.body.error.details.every((d) => d.path.startsWith('/reject')), JSON.stringify(r.body));
    }
    // Another supplier's leg: 404.
    let r = await s.sims.hostco.send({ leg_id: leg.id, reject: { reason: 'x' } });
    assert.equal(r.status, 404);
    // A resolved leg cannot be rejected.
    await s.sims.netco.send({ leg_id: leg.id, status: 'resolved' });
    const resolved = await count(`SELECT count(*) FROM events WHERE ticket_id = '${t.id}'`);
    r = await s.sims.netco.send({ leg_id: leg.id, reject: { reason: 'x' } });
    assert.equal(r.status, 422);
    assert.equal(r.body.error.details[0].path, '/reject');
    assert.equal(await count(`SELECT count(*) FROM events WHERE ticket_id = '${t.id}'`), resolved);
    assert.ok(Number(resolved) > Number(before));
    assert.equal(legOf(await view(t.id), 'netco').status, 'resolved');
  });
});

describe('routing a new ticket', () => {
  async function routed(body) {
    const t = await open(body);
    const i = await view(t.id);
    return { by: eventsOf(i, 'routed').map((e) => e.data.by + (e.data.rule === undefined ? '' : `#${e.data.rule}`)),
      legs: i.legs.map((l) => `${l.supplier.key}:${l.component_key}`).sort() };
  }

  test('category and type rules: the most specific match wins, ties by order', async () => {
    for (const [body, legs, by] of [
      [{ type: 'request' }, ['hostco:hosting'], 'rule#0'],
      [{ type: 'request', category: 'printing' }, ['hostco:hosting'], 'rule#0'],
      [{ type: 'incident', category: 'remote-access' }, ['netco:vpn'], 'rule#1'],
      [{ type: 'request', category: 'remote-access' }, ['netco:vpn'], 'rule#1'],
      [{ type: 'change', category: 'remote-access' }, ['hostco:hosting', 'netco:vpn'], 'rule#2'],
      [{ type: 'incident', category: 'Remote-Access' }, ['hostco:hosting', 'netco:vpn'], 'default'],
      [{ type: 'problem' }, ['hostco:hosting', 'netco:vpn'], 'default'],
      [{ type: 'request', component: 'vpn' }, ['netco:vpn'], 'component'],
    ]) {
      const got = await routed(body);
      assert.deepEqual(got.legs, legs, JSON.stringify(body));
      assert.ok(got.by.every((b) => b === by), `${JSON.stringify(body)}: ${got.by}`);
    }
  });

  test('a CI routes to the component whose items hold it, before any rule', async () => {
    for (const [body, legs] of [
      [{ ci: 'vpn-gw-02' }, ['netco:vpn']],
      [{ ci: 'srv-web-01', type: 'change', category: 'remote-access' }, ['hostco:hosting']],
      [{ ci: 'srv-web-01', component: 'vpn' }, ['netco:vpn']],
    ]) {
      const got = await routed(body);
      assert.deepEqual(got.legs, legs, JSON.stringify(body));
    }
    const t = await open({ ci: 'vpn-gw-01' });
    assert.equal(t.ci, 'vpn-gw-01');
    assert.equal(eventsOf(await view(t.id), 'routed')[0].data.by, 'ci');
    // An item name differing in case, or a component key, is no CI.
    for (const ci of ['VPN-GW-01', 'vpn']) {
      const r = await s.api('POST', '/v1/tickets', { key: s.keys.acme, body: {
        service: s.services['acme-workplace'], type: 'incident', summary: 's', description: 'd',
        impact: 3, urgency: 3, ci } });
      assert.equal(r.status, 422);
      assert.equal(r.json.error.code, 'unknown_ci');
      assert.deepEqual(r.json.error.details, [{ path: '/ci', message: 'no such configuration item in the service\'s chain' }]);
    }
  });
});

describe('intake', () => {
  test('an unknown CI or component is 422 with its path; category and ci are kept', async () => {
    const base = { service: s.services['acme-workplace'], type: 'incident', summary: 's',
      description: 'd', impact: 3, urgency: 3 };
    for (const [extra, code, path] of [
      [{ ci: 'no-such-ci' }, 'unknown_ci', '/ci'],
      [{ component: 'nosuch' }, 'unknown_component', '/component'],
      [{ category: '' }, 'invalid_ticket', '/category'],
      [{ ci: 'x'.repeat(201) }, 'invalid_ticket', '/ci'],
    ]) {
      const r = await s.api('POST', '/v1/tickets', { key: s.keys.acme, body: { ...base, ...extra } });
      assert.equal(r.status, 422, r.text);
      assert.equal(r.json.error.code, code);
      assert.deepEqual(r.json.error.details.map((d) => d.path), [path]);
    }
    const t = await open({ category: 'printing' });
    assert.equal(t.category, 'printing');
    const i = await view(t.id);
    assert.equal(i.category, 'printing');
    assert.equal(i.ci, null);
    assert.deepEqual(eventsOf(i, 'routed').map((e) => e.data.by), ['default', 'default']);
  });
});
