// intake.test.mjs - the 201 of POST /v1/tickets is built from what the
// intake's inserts returned, not read back: it must be, byte for byte, what
// a GET of the same ticket by the same caller shows at that moment, for
// every way a ticket is routed (fanned out, by component, by CI, by rule,
// to triage) and for the customer and the integrator; and an
// Idempotency-Key replays that same text. The node does not deliver
// (KETEN_DISPATCH=0), so nothing moves the ticket between the two reads.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, chainDoc } from './lib/harness.mjs';
import { ticketBody } from './lib/tickets.mjs';

// The harness chain, plus a rule, configuration items, and acme-desk: a
// service with no default component, whose tickets wait in triage.
function chain(sims) {
  const d = chainDoc(sims);
  const w = d.services[0];
  const [vpn] = w.components[0].children;
  Object.assign(vpn, { items: ['vpn-gw-01'] });
  w.rules = [{ type: 'request', component: 'hosting' }];
  d.services.push({ key: 'acme-desk', customer: 'acme', name: 'Desk Acme',
    components: [{ key: 'desk', name: 'Desk', kind: 'people', children: [
      { key: 'net', name: 'Network', kind: 'network', supplier: 'netco' }] }] });
  return d;
}

let s;
before(async () => { s = await startStack({ chain, config: { KETEN_DISPATCH: '0' } }); });
after(async () => { await s.stop(); });

const cases = () => ({
  'fanned out': {},
  'by component': { component: 'vpn' },
  'by CI': { ci: 'vpn-gw-01', category: 'remote-access' },
  'by rule': { type: 'request' },
  'to triage': { service: s.services['acme-desk'] },
});

for (const who of ['acme', 'integrator']) {
  test(`the 201 is what a GET by ${who} shows, however the ticket was routed`, async () => {
    for (const [name, extra] of Object.entries(cases())) {
      const created = await s.api('POST', '/v1/tickets',
        { key: s.keys[who], body: ticketBody(s, { summary: `intake ${name}`, ...extra }) });
      assert.equal(created.status, 201, created.text);
      const read = await s.api('GET', `/v1/tickets/${created.json.id}`, { key: s.keys[who] });
      assert.equal(read.status, 200, read.text);
      assert.equal(created.text, read.text, `${name}: the answer as a read shows it`);
    }
  });
}

test('an Idempotency-Key replays the built answer byte for byte', async () => {
  const post = () => s.api('POST', '/v1/tickets', { key: s.keys.integrator,
    body: ticketBody(s, { summary: 'intake replay' }), headers: { 'idempotency-key': 'intake-1' } });
  const first = await post();
  assert.equal(first.status, 201, first.text);
  const read = await s.api('GET', `/v1/tickets/${first.json.id}`, { key: s.keys.integrator });
  assert.equal(first.text, read.text);
  const again = await post();
  assert.equal(again.status, 201);
  assert.equal(again.text, first.text);
});
