// outbound.test.mjs - Keten to a real RT 5 end to end, one way: a broker
// (tests/system/lib/harness.mjs) whose supplier netco is the RT of
// tests/rt/setup.sh through the `rt` adapter and the bearer auth module
// (`Authorization: token ...`). Tickets filed at Keten land in RT in the
// queue of their type with our reference; a type without a queue is
// refused at routing; the customer's comment is an RT reply, the
// integrator's an internal comment; a cancel rejects the RT ticket;
// `keten supplier check` tries the token and the mapping's names. The
// way back is tests/rt/inbound.test.mjs.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startStack, eventually, keten, certs, chainDoc, writeChain } from '../system/lib/harness.mjs';
import { ticketBody } from '../system/lib/tickets.mjs';
import { env, mapping, rt, rtMessages } from './lib.mjs';

// The system tests' chain with netco replaced by the RT, which takes
// incidents and requests only (queues: the mapping's).
function rtChain(sims, queues = { incident: mapping.queues.incident, request: mapping.queues.request }) {
  const doc = chainDoc(sims);
  doc.suppliers[0] = { key: 'netco', name: 'NetCo RT', adapter: 'rt', endpoint: env.RT_URL,
    secret_ref: 'env:KETEN_SECRET_NETCO',
    auth: { kind: 'bearer', scheme: 'token', secret_ref: 'env:KETEN_SECRET_RT_TOKEN' },
    mapping: { ...mapping, queues } };
  return doc;
}

async function rtTicket(id) {
  const q = encodeURIComponent(`id = ${id}`);
  const r = await rt(`/tickets?query=${q}&fields=Queue,Subject,Priority,Status,CustomFields,Requestor&fields%5BQueue%5D=Name&fields%5BRequestor%5D=EmailAddress`);
  return r.items[0];
}

describe('Keten to RT', () => {
  let s;
  before(async () => {
    s = await startStack({ chain: rtChain, config: { KETEN_SECRET_RT_TOKEN: env.RT_TOKEN } });
  });
  after(async () => { await s.stop(); });

  async function filed(extra) {
    const r = await s.api('POST', '/v1/tickets', { key: s.keys.acme,
      body: ticketBody(s, { component: 'vpn', ...extra }) });
    assert.equal(r.status, 201, r.text);
    const leg = await eventually(async () => {
      const v = await s.api('GET', `/v1/tickets/${r.json.id}`, { key: s.keys.integrator });
      return v.json.legs[0]?.external_id ? v.json.legs[0] : null;
    }, 20000, 'the create delivered to RT');
    return { id: r.json.id, leg };
  }

  test('incidents and requests land in their RT queue with our reference', async () => {
    for (const type of ['incident', 'request']) {
      const summary = `Printer on fire (${type}) — ça brûle`;
      const { leg } = await filed({ type, summary, impact: 1, urgency: 1 });
      assert.match(leg.external_id, /^\d+$/);
      const t = await rtTicket(leg.external_id);
      assert.equal(t.Queue.Name, mapping.queues[type]);
      assert.equal(t.Subject, summary);
      assert.equal(t.Priority, '100'); // our priority 1
      assert.deepEqual(t.CustomFields.find((c) => c.name === env.RT_FIELD).values, [leg.id]);
      assert.deepEqual(t.Requestor.map((x) => x.EmailAddress), [mapping.requestor]);
    }
  });

  test('a change is refused when routed: the RT mapping has no queue for it', async () => {
    const r = await s.api('POST', '/v1/tickets', { key: s.keys.acme,
      body: ticketBody(s, { component: 'vpn', type: 'change' }) });
    assert.equal(r.status, 422, r.text);
    assert.equal(r.json.error.code, 'type_not_accepted');
  });

  test('the customer\'s comment is an RT reply, the integrator\'s an internal comment', async () => {
    const { id, leg } = await filed({ summary: 'comments to RT' });
    // (RT's content search matches ASCII: each text has an ASCII token)
    const reply = `reply-${Date.now()}`;
    let r = await s.api('POST', `/v1/tickets/${id}/comments`, { key: s.keys.acme,
      body: { text: `still down — ${reply}` } });
    assert.equal(r.status, 201, r.text);
    const note = `note-${Date.now()}`;
    r = await s.api('POST', `/v1/tickets/${id}/comments`, { key: s.keys.integrator,
      body: { text: `engineer booked: ${note}`, visibility: 'supplier', leg: leg.id } });
    assert.equal(r.status, 201, r.text);
    await eventually(async () => (await rtMessages(leg.external_id, reply)).length === 1, 20000, 'the reply in RT');
    await eventually(async () => (await rtMessages(leg.external_id, note)).length === 1, 20000, 'the note in RT');
    assert.deepEqual(await rtMessages(leg.external_id, reply), ['Correspond']);
    assert.deepEqual(await rtMessages(leg.external_id, note), ['Comment']);
  });

  test('a cancel at Keten rejects the RT ticket', async () => {
    const { id, leg } = await filed({ summary: 'cancel me' });
    const r = await s.api('POST', `/v1/tickets/${id}/cancel`, { key: s.keys.acme, body: { reason: 'found the cable' } });
    assert.equal(r.status, 200, r.text);
    await eventually(async () => (await rtTicket(leg.external_id)).Status === 'rejected', 20000, 'rejected in RT');
  });

  test('keten supplier check tries the token, the user and every queue in RT', () => {
    const checkEnv = { ...s.env, KETEN_SUPPLIER_CA: certs().ca, KETEN_SECRET_RT_TOKEN: env.RT_TOKEN,
      KETEN_SECRET_NETCO: s.secrets.netco };
    let r = keten(['supplier', 'check', 'netco'], checkEnv);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /check 0: GET \S+\/REST\/2\.0\/user\/keten: ok/);
    assert.match(r.stdout, /check 2: GET \S+\/queue\/keten-request: ok/);
    r = keten(['supplier', 'check', 'netco'], { ...checkEnv, KETEN_SECRET_RT_TOKEN: '1-2-wrong' });
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /HTTP 401/);
    // a queue RT does not have, named with its mapping path
    const file = path.join(s.dir, 'chain-bad-queue.json');
    writeChain(file, rtChain(s.sims, { incident: mapping.queues.incident,
      request: 'no-such-queue' }), 0);
    assert.equal(keten(['chain', 'import', file], s.env).code, 0);
    r = keten(['supplier', 'check', 'netco'], checkEnv);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout + r.stderr, /\/queues\/request: RT has no queue "no-such-queue"/);
  });
});
