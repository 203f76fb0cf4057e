// queues.test.mjs - the integrator console's read-outs against the real
// broker, PostgreSQL and simulators: GET /v1/queues counts each work queue
// (needs triage, escalated, delivery delayed, SLA breached and warned,
// dead letters) and GET /v1/tickets?state= lists the same tickets, each
// ticket entering and leaving its queue as the real path moves it; GET
// /v1/supplier-health shows a supplier's backlog, dead letters, 429s,
// last call and the answering node's circuit; GET /v1/tickets/{id}/
// deliveries lists one ticket's messages. Integrator keys only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, chainDoc, eventually, psql } from './lib/harness.mjs';
import { checkSchema as check } from './lib/schema-check.mjs';
import { scrape, value } from './lib/metrics.mjs';
import { deliveredTicket, fileTicket, ticketOf } from './lib/tickets.mjs';

// The harness chain, with netco's contract on the VPN (its legs get
// acknowledge clocks, so SLA alerts) and acme-desk, a service with no
// default component: its tickets wait in triage.
function chain(sims) {
  const d = chainDoc(sims);
  const t = { acknowledge_min: 600, resolve_min: 6000 };
  d.suppliers[0].contracts = [{ key: 'gold', name: 'NetCo Gold', service_hours: '24x7',
    targets: { p1: t, p2: t, p3: t } }];
  d.services[0].components[0].children[0].contract = 'gold';
  d.services.push({ key: 'acme-desk', customer: 'acme', name: 'Desk Acme',
    components: [{ key: 'desk', name: 'Desk', kind: 'people', children: [
      { key: 'net', name: 'Network', kind: 'network', supplier: 'netco' }] }] });
  return d;
}

let s;
before(async () => {
  s = await startStack({ chain, config: {
    KETEN_SLA_ALERT_INTERVAL_MS: '200', KETEN_DISPATCH_INTERVAL_MS: '100',
    // Only a P1 create is overdue this soon: the other tickets of the
    // suite never enter the delivery-delayed queue on a slow machine.
    KETEN_DELIVERY_DELAYED_P1_MS: '1500', KETEN_DELIVERY_DELAYED_P2_MS: '600000',
    KETEN_DELIVERY_DELAYED_OTHER_MS: '600000',
    KETEN_BREAKER_FAILURES: '2', KETEN_BREAKER_OPEN_MS: '60000', KETEN_BREAKER_OPEN_MAX_MS: '60000',
  } });
});
after(async () => { await s.stop(); });

async function queues(key = s.keys.integrator) {
  const r = await s.api('GET', '/v1/queues', { key });
  assert.equal(r.status, 200, r.text);
  check('QueueCounts', r.json);
  return r.json.queues;
}

async function queue(state) {
  const r = await s.api('GET', `/v1/tickets?state=${state}&limit=200`, { key: s.keys.integrator });
  assert.equal(r.status, 200, r.text);
  check('TicketPage', r.json);
  return r.json.items.map((t) => t.id);
}

async function health() {
  const r = await s.api('GET', '/v1/supplier-health', { key: s.keys.integrator });
  assert.equal(r.status, 200, r.text);
  check('SupplierHealthPage', r.json);
  return r.json;
}
const supplier = async (key) => (await health()).items.find((x) => x.key === key);

// Waits until ticket id is in queue state (in: true) or out of it, and the
// count says the same as the list.
async function inQueue(state, id, want = true) {
  return eventually(async () => {
    const listed = (await queue(state)).includes(id);
    const n = (await queues())[state];
    return listed === want && n === (await queue(state)).length;
  }, 20000, `${id} ${want ? 'in' : 'out of'} ${state}`);
}

test('only the integrator reads the queues and the supplier health', async () => {
  for (const key of [s.keys.acme, s.keys.netco]) {
    for (const p of ['/v1/queues', '/v1/supplier-health', '/v1/tickets?state=sla_breached']) {
      const r = await s.api('GET', p, { key });
      assert.equal(r.status, 403, p);
      assert.equal(r.json.error.code, 'forbidden');
    }
  }
  assert.equal((await s.api('GET', '/v1/queues', {})).status, 401);
  const r = await s.api('GET', '/v1/tickets?state=breached', { key: s.keys.integrator });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, 'invalid_state');
  assert.match(r.json.error.message, /sla_breached/);
  assert.deepEqual(await queues(), { needs_triage: 0, escalated: 0, delivery_delayed: 0,
    sla_breached: 0, sla_warning: 0, dead_letters: 0 });
  const h = await health();
  assert.equal(h.node.delivers, true);
  assert.ok(h.node.name);
  assert.deepEqual(h.items.map((x) => x.key), ['hostco', 'netco']);
  for (const x of h.items) {
    assert.equal(x.backlog, 0);
    assert.equal(x.oldest_pending_at, null);
    assert.equal(x.dead, 0);
    assert.equal(x.circuit, 'closed');
    assert.deepEqual(x.last_hour, { calls: 0, failed: 0, rate_limited: 0 });
  }
});

test('a triage ticket is in needs_triage until routed by hand', async () => {
  const r = await s.api('POST', '/v1/tickets', { key: s.keys.acme, body: {
    service: s.services['acme-desk'], type: 'incident', summary: 'nobody routes this',
    description: 'queues test', impact: 2, urgency: 2 } });
  assert.equal(r.status, 201, r.text);
  await inQueue('needs_triage', r.json.id);
  assert.equal((await queues()).needs_triage, 1);
  const routed = await s.api('POST', `/v1/tickets/${r.json.id}/route`, { key: s.keys.integrator,
    body: { suppliers: ['netco'], reason: 'network' } });
  assert.equal(routed.status, 200, routed.text);
  await inQueue('needs_triage', r.json.id, false);
  assert.equal((await queues()).needs_triage, 0);
});

test('a dead letter counts, shows on its supplier\'s health, and leaves on replay', async () => {
  await s.sims.hostco.mode({ mode: 'status', status: 400 });
  const t = await fileTicket(s, 'hosting', 'refused by hostco');
  await eventually(async () => (await queues()).dead_letters === 1, 15000, 'one dead letter');
  const host = await supplier('hostco');
  assert.equal(host.dead, 1);
  assert.equal(host.backlog, 0);
  assert.equal(host.last_call.http_status, 400);
  assert.equal(host.last_call.kind, 'permanent');
  assert.ok(host.last_hour.calls >= 1 && host.last_hour.failed >= 1, JSON.stringify(host));
  assert.equal(host.circuit, 'closed', 'a refusal is an answer: the circuit stays closed');
  const dead = (await s.api('GET', '/v1/deliveries?state=dead', { key: s.keys.integrator })).json.items;
  assert.deepEqual(dead.map((m) => m.ticket_id), [t.id]);

  await s.sims.hostco.mode({ mode: 'normal' });
  const r = await s.api('POST', `/v1/deliveries/${dead[0].id}/replay`, { key: s.keys.integrator });
  assert.equal(r.status, 200, r.text);
  await eventually(async () => (await ticketOf(s, t.id)).legs[0].external_id, 15000, 'replayed');
  assert.equal((await queues()).dead_letters, 0);
  const after = await supplier('hostco');
  assert.equal(after.dead, 0);
  assert.equal(after.last_call.kind, 'delivered');

  // The ticket's own messages: the replayed create, with what it replaced.
  const mine = await s.api('GET', `/v1/tickets/${t.id}/deliveries`, { key: s.keys.integrator });
  assert.equal(mine.status, 200, mine.text);
  check('DeliveryPage', mine.json);
  assert.deepEqual(mine.json.items.map((m) => [m.id, m.ticket_id, m.operation, m.state]),
    [[dead[0].id, t.id, 'create', 'done']]);
  assert.equal(mine.json.items[0].history[0].outcome.http_status, 400);
  const none = await s.api('GET', `/v1/tickets/${t.id}/deliveries?state=dead`, { key: s.keys.integrator });
  assert.deepEqual(none.json.items, []);
  for (const id of ['00000000-0000-4000-8000-000000000000', 'x']) {
    const r404 = await s.api('GET', `/v1/tickets/${id}/deliveries`, { key: s.keys.integrator });
    assert.equal(r404.status, 404, id);
    assert.equal(r404.json.error.code, 'not_found');
  }
  const other = await s.api('GET', `/v1/tickets/${t.id}/deliveries`, { key: s.keys.acme });
  assert.equal(other.status, 403);
});

test('a P1 create held back by 429s is delivery_delayed until it goes through', async () => {
  await s.sims.netco.mode({ mode: 'status', status: 429, retry_after: '1' });
  const t = await fileTicket(s, 'vpn', 'rate limited create', 1, 1);
  const net = await eventually(async () => {
    const x = await supplier('netco');
    return x.last_hour.rate_limited >= 1 && x.backlog >= 1 && x;
  }, 15000, 'a 429 counted');
  assert.ok(net.oldest_pending_s >= 0);
  assert.ok(Date.parse(net.oldest_pending_at) <= Date.now() + 5000);
  assert.equal(net.circuit, 'closed', 'a 429 does not open the circuit');
  await inQueue('delivery_delayed', t.id);
  assert.equal((await queues()).delivery_delayed, 1);

  await s.sims.netco.mode({ mode: 'normal' });
  await inQueue('delivery_delayed', t.id, false);
  assert.equal((await ticketOf(s, t.id)).legs[0].delivery.state, 'done');
  const after = await eventually(async () => {
    const x = await supplier('netco');
    return x.backlog === 0 && x;
  }, 15000, 'netco\'s backlog empty');
  assert.equal(after.oldest_pending_at, null);
});

test('an SLA warning, then a breach, move a ticket from sla_warning to sla_breached', async () => {
  const t = await deliveredTicket(s, { component: 'vpn' });
  // As time passing would: the acknowledge clock's warning is past.
  await psql(s.db, `UPDATE legs SET sla_ack_warn = now() - interval '1 minute'
    WHERE id = '${t.legs.netco}'`);
  await inQueue('sla_warning', t.id);
  assert.ok(!(await queue('sla_breached')).includes(t.id));
  await psql(s.db, `UPDATE legs SET sla_ack_due = now() - interval '1 second'
    WHERE id = '${t.legs.netco}'`);
  await inQueue('sla_breached', t.id);
  await inQueue('sla_warning', t.id, false);
  const q = await queues();
  assert.equal(q.sla_breached, 1);
  assert.equal(q.sla_warning, 0);
  // Resolved: the customer has it back, it leaves the queue.
  const r = await s.sims.netco.send({ leg_id: t.legs.netco, status: 'resolved' });
  assert.equal(r.body?.result, 'applied', JSON.stringify(r));
  await inQueue('sla_breached', t.id, false);
});

test('a supplier failing in a row opens its circuit in the answering node, as /metrics says', async () => {
  await s.sims.hostco.mode({ mode: 'status', status: 503 });
  await fileTicket(s, 'hosting', 'hostco is down');
  const host = await eventually(async () => {
    const x = await supplier('hostco');
    return x.circuit === 'open' && x;
  }, 20000, 'hostco\'s circuit open');
  assert.ok(host.backlog >= 1);
  assert.ok(host.last_hour.failed >= 2);
  assert.equal(host.last_call.http_status, 503);
  const m = await scrape(s);
  assert.equal(value(m, 'keten_circuit_state', { supplier: 'hostco' }), 2);
  assert.equal((await supplier('netco')).circuit, 'closed');
  await s.sims.hostco.mode({ mode: 'normal' });
});
