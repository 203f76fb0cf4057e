// openapi.test.mjs - the OpenAPI document in schemas/ is the one the broker
// serves, its schemas compile, every operation it lists exists and answers
// only with documented statuses, and real answers validate against it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { startStack, eventually, certs } from './lib/harness.mjs';

const doc = JSON.parse(readFileSync(new URL('../../schemas/openapi.json', import.meta.url)));
let s;
let ajv;
before(async () => {
  s = await startStack();
  ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'openapi', components: doc.components });
});
after(async () => { await s.stop(); });

function check(name, value) {
  const validate = ajv.getSchema(`openapi#/components/schemas/${name}`);
  assert.ok(validate(value), `${name}: ${JSON.stringify(validate.errors)}\n${JSON.stringify(value)}`);
}

test('the broker serves schemas/openapi.json', async () => {
  const r = await s.api('GET', '/v1/openapi.json');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, doc);
  assert.equal(doc.openapi, '3.1.0');
});

// GET of a stream that stays open (text/event-stream): its status, media
// type and security headers once the answer's head came, then closed.
function streamHead(p, key) {
  return new Promise((resolve, reject) => {
    const req = https.request(new URL(p, s.url), { headers: { authorization: `Bearer ${key}` },
      ca: readFileSync(certs().ca), agent: false }, (res) => {
      resolve({ status: res.statusCode, headers: res.headers });
      req.destroy();
    });
    req.on('error', reject);
    req.end();
  });
}

test('every documented operation exists and answers with a documented status', async () => {
  for (const [p, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const url = p.replace('{id}', '00000000-0000-4000-8000-000000000000').replace('{supplier}', 'netco');
      if (op.responses['200']?.content?.['text/event-stream']) {
        const h = await streamHead(url, s.keys.integrator);
        assert.equal(h.status, 200, `${method} ${p}`);
        assert.equal(h.headers['content-type'], 'text/event-stream');
        continue;
      }
      const r = await s.api(method.toUpperCase(), url, { key: s.keys.integrator,
        body: method === 'post' ? {} : undefined });
      assert.ok(Object.keys(op.responses).includes(String(r.status)),
        `${method} ${p}: ${r.status} is not documented (${r.text.slice(0, 200)})`);
      if (r.status >= 400) check('Error', r.json);
    }
  }
});

test('real answers validate against the documented schemas', async () => {
  const r = await s.api('POST', '/v1/tickets', { key: s.keys.acme, body: {
    service: s.services['acme-workplace'], type: 'change', summary: 'new VPN profile',
    description: 'roll out', impact: 3, urgency: 2 } });
  assert.equal(r.status, 201);
  check('Ticket', r.json);
  await eventually(async () => (await s.sims.netco.tickets()).some((x) => x.keten_ticket === r.json.id),
    15000, 'delivery');
  for (const key of [s.keys.acme, s.keys.netco, s.keys.integrator]) {
    const v = await s.api('GET', `/v1/tickets/${r.json.id}`, { key });
    check('Ticket', v.json);
    const tl = await s.api('GET', `/v1/tickets/${r.json.id}/timeline?limit=2`, { key });
    check('TimelinePage', tl.json);
    const page = await s.api('GET', '/v1/tickets?limit=5', { key });
    check('TicketPage', page.json);
  }
  const leg = (await s.sims.netco.tickets()).find((x) => x.keten_ticket === r.json.id).leg_id;
  const u = await s.sims.netco.send({ leg_id: leg, status: 'in_progress' });
  check('InboundResult', u.body);
  const bad = await s.api('POST', '/v1/tickets', { key: s.keys.acme, body: { impact: 9 } });
  check('Error', bad.json);
  check('Health', (await s.api('GET', '/readyz')).json);
});

test('answers of comments, close and reopen validate against the documented schemas', async () => {
  const t = await s.api('POST', '/v1/tickets', { key: s.keys.acme, body: {
    service: s.services['acme-workplace'], type: 'incident', summary: 'portal slow',
    description: '', impact: 2, urgency: 2, component: 'vpn' } });
  assert.equal(t.status, 201);
  const leg = await eventually(async () => (await s.api('GET', `/v1/tickets/${t.json.id}`,
    { key: s.keys.integrator })).json.legs.find((l) => l.external_id), 15000, 'delivery');
  const comments = [
    ['acme', { text: 'any news?' }],
    ['integrator', { text: 'a note' }],
    ['integrator', { text: 'to netco', visibility: 'supplier', leg: leg.id }],
  ];
  for (const [who, body] of comments) {
    const c = await s.api('POST', `/v1/tickets/${t.json.id}/comments`, { key: s.keys[who], body });
    assert.equal(c.status, 201, c.text);
    check('Comment', c.json);
  }
  await s.sims.netco.send({ leg_id: leg.id, status: 'resolved', comment: 'fixed' });
  for (const [action, body] of [['reopen', { reason: 'not fixed' }], ['close', undefined]]) {
    if (action === 'close') await s.sims.netco.send({ leg_id: leg.id, status: 'resolved' });
    const r = await s.api('POST', `/v1/tickets/${t.json.id}/${action}`, { key: s.keys.acme, body });
    assert.equal(r.status, 200, r.text);
    check('Ticket', r.json);
    for (const e of r.json.timeline) check('Event', e);
  }
});
