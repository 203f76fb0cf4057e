// customer-api.test.mjs - the API the customer's pages read, against the
// real broker and PostgreSQL: GET /v1/tickets filters (status, type,
// service, q) keep only what they name, within the caller's own tickets,
// and refuse what they cannot mean; GET /v1/status lists a customer's own
// services with their health and open incidents; GET /v1/priorities is
// the matrix intake applies.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack } from './lib/harness.mjs';
import { checkSchema as check } from './lib/schema-check.mjs';

describe('customer API', () => {
  let s;
  const made = {};
  before(async () => {
    s = await startStack();
    const open = async (name, key, service, type, impact, urgency, summary) => {
      const r = await s.api('POST', '/v1/tickets', { key, body: { service, type, summary,
        description: 'customer api test', impact, urgency } });
      assert.equal(r.status, 201, r.text);
      made[name] = r.json;
    };
    const acme = s.services['acme-workplace'];
    await open('vpn', s.keys.acme, acme, 'incident', 1, 2, 'VPN Down in Utrecht');
    await open('laptop', s.keys.acme, acme, 'request', 3, 3, 'New laptop for Ana');
    await open('printer', s.keys.acme, acme, 'incident', 3, 3, 'printer jams');
    await open('globex', s.keys.globex, s.services['globex-hosting'], 'incident', 1, 1,
      'VPN down at Globex');
  });
  after(async () => { await s.stop(); });

  const list = async (query, key = s.keys.acme) => {
    const r = await s.api('GET', `/v1/tickets?${query}`, { key });
    assert.equal(r.status, 200, r.text);
    check('TicketPage', r.json);
    return r.json.items.map((t) => t.summary).sort();
  };

  test('filters keep what they name, within the caller\'s tickets', async () => {
    assert.deepEqual(await list(''), ['New laptop for Ana', 'VPN Down in Utrecht', 'printer jams']);
    assert.deepEqual(await list('q=vpn'), ['VPN Down in Utrecht'], 'summary, any case; not globex\'s');
    assert.deepEqual(await list(`q=${made.laptop.number.toLowerCase()}`), ['New laptop for Ana'],
      'the number');
    assert.deepEqual(await list('q=%25'), [], 'a % is text, not a pattern');
    assert.deepEqual(await list('type=incident'), ['VPN Down in Utrecht', 'printer jams']);
    assert.deepEqual(await list('type=request,change'), ['New laptop for Ana']);
    assert.deepEqual(await list('status=new,assigned,in_progress'),
      ['New laptop for Ana', 'VPN Down in Utrecht', 'printer jams']);
    assert.deepEqual(await list('status=resolved'), []);
    assert.deepEqual(await list(`service=${s.services['acme-workplace']}`).then((x) => x.length), 3);
    assert.deepEqual(await list('service=acme-workplace&type=incident&q=JAMS'), ['printer jams']);
    assert.deepEqual(await list(`service=${s.services['globex-hosting']}`), [],
      'another customer\'s service lists nothing');
    assert.deepEqual(await list('q=vpn', s.keys.integrator), ['VPN Down in Utrecht', 'VPN down at Globex']);
    const page = await s.api('GET', '/v1/tickets?type=incident&limit=1', { key: s.keys.acme });
    assert.equal(page.json.items.length, 1);
    const next = await s.api('GET', `/v1/tickets?type=incident&limit=1&cursor=${page.json.next_cursor}`,
      { key: s.keys.acme });
    assert.equal(next.json.items.length, 1);
    assert.notEqual(next.json.items[0].id, page.json.items[0].id);
    assert.equal(next.json.next_cursor, null);
  });

  test('a filter that cannot mean anything is a 400', async () => {
    for (const [query, code] of [['status=open', 'invalid_status'], ['status=new,', 'invalid_status'],
      ['status=', 'invalid_status'], ['status=new,,closed', 'invalid_status'],
      ['type=incidents', 'invalid_type'], ['type=', 'invalid_type'],
      ['service=ACME%20x', 'invalid_service'], ['service=', 'invalid_service'],
      ['q=', 'invalid_q'], [`q=${'é'.repeat(201)}`, 'invalid_q'], ['state=nope', 'invalid_state']]) {
      const r = await s.api('GET', `/v1/tickets?${encodeURI(query)}`, { key: s.keys.acme });
      assert.equal(r.status, 400, `${query}: ${r.text}`);
      check('Error', r.json);
      assert.equal(r.json.error.code, code, query);
    }
    assert.equal((await list(`q=${'é'.repeat(200)}`)).length, 0, '200 characters are fine');
  });

  test('GET /v1/status: the caller\'s services with health and open incidents', async () => {
    const r = await s.api('GET', '/v1/status', { key: s.keys.acme });
    assert.equal(r.status, 200, r.text);
    check('ServiceHealthPage', r.json);
    assert.deepEqual(r.json, { items: [{ service: { id: s.services['acme-workplace'],
      key: 'acme-workplace', name: 'Workplace Acme' }, status: 'partial_outage', open_incidents: 2 }],
    next_cursor: null });
    const g = await s.api('GET', '/v1/status', { key: s.keys.globex });
    assert.deepEqual(g.json.items.map((x) => [x.service.key, x.status, x.open_incidents]),
      [['globex-hosting', 'major_outage', 1]]);
    const all = await s.api('GET', '/v1/status?limit=1', { key: s.keys.integrator });
    assert.equal(all.status, 200, all.text);
    assert.deepEqual(all.json.items.map((x) => x.service.key), ['acme-workplace']);
    const rest = await s.api('GET', `/v1/status?limit=1&cursor=${all.json.next_cursor}`,
      { key: s.keys.integrator });
    assert.deepEqual(rest.json.items.map((x) => x.service.key), ['globex-hosting']);
    assert.equal(rest.json.next_cursor, null);
    // the same health as the service's own status
    const one = await s.api('GET', `/v1/services/${s.services['acme-workplace']}/status`,
      { key: s.keys.acme });
    assert.equal(one.json.status, r.json.items[0].status);
    assert.equal(one.json.incidents.length, r.json.items[0].open_incidents);
    for (const [key, want] of [[s.keys.netco, 403], [undefined, 401]]) {
      const x = await s.api('GET', '/v1/status', { key });
      assert.equal(x.status, want, x.text);
      check('Error', x.json);
    }
    const bad = await s.api('GET', '/v1/status?limit=0', { key: s.keys.acme });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.code, 'invalid_limit');
  });

  test('GET /v1/priorities is the matrix intake applies', async () => {
    const r = await s.api('GET', '/v1/priorities', { key: s.keys.acme });
    assert.equal(r.status, 200, r.text);
    check('PriorityMatrix', r.json);
    assert.deepEqual(r.json.impact, [1, 2, 3]);
    assert.equal(r.json.matrix.length, 9);
    for (const t of Object.values(made)) {
      const cell = r.json.matrix.find((m) => m.impact === t.impact && m.urgency === t.urgency);
      assert.equal(cell.priority, t.priority, `${t.summary}`);
    }
    assert.equal((await s.api('GET', '/v1/priorities', { key: s.keys.netco })).status, 200);
    assert.equal((await s.api('GET', '/v1/priorities')).status, 401);
  });
});
