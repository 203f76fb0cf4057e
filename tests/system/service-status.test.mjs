// service-status.test.mjs - GET /v1/services/{id}/status against the real
// broker and simulators: the health follows the open incidents of the
// service and their priorities through every level, requests and changes
// do not count, resolved incidents stop counting (also when their supplier
// resolves them), the incidents are listed as the customer sees them, and
// only the service's customer and the integrator get an answer.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, eventually } from './lib/harness.mjs';
import { checkSchema as check } from './lib/schema-check.mjs';

// impact and urgency for each priority (priority = impact + urgency - 1)
const P = { 1: [1, 1], 2: [1, 2], 3: [2, 2], 4: [2, 3], 5: [3, 3] };

describe('service status', () => {
  let s;
  let svc;
  before(async () => {
    s = await startStack();
    svc = s.services['acme-workplace'];
  });
  after(async () => { await s.stop(); });

  const status = async (key, id = svc) => {
    const r = await s.api('GET', `/v1/services/${id}/status`, { key });
    assert.equal(r.status, 200, r.text);
    check('ServiceStatus', r.json);
    return r.json;
  };
  const open = async (type, priority, component = 'vpn') => {
    const [impact, urgency] = P[priority];
    const r = await s.api('POST', '/v1/tickets', { key: s.keys.acme, body: { service: svc, type,
      summary: `${type} P${priority}`, description: 'status test', impact, urgency, component } });
    assert.equal(r.status, 201, r.text);
    return r.json;
  };
  // The supplier resolves every leg of ticket t; waits until the customer
  // sees it resolved.
  const resolve = async (t) => {
    const legs = await eventually(async () => {
      const all = [...await s.sims.netco.tickets(), ...await s.sims.hostco.tickets()];
      const mine = all.filter((x) => x.keten_ticket === t.id);
      return mine.length > 0 && mine;
    }, 15000, 'delivery');
    for (const leg of legs) {
      const sim = s.sims[leg.id.startsWith('SIM-netco') ? 'netco' : 'hostco'];
      await sim.send({ leg_id: leg.leg_id, external_id: leg.id, status: 'resolved' });
    }
    await eventually(async () => (await s.api('GET', `/v1/tickets/${t.id}`, { key: s.keys.acme }))
      .json.status === 'resolved', 15000, 'resolved');
  };
  const listed = (st) => st.incidents.map((x) => x.summary);

  test('who may ask', async () => {
    assert.equal((await status(s.keys.acme)).status, 'operational');
    assert.deepEqual(await status(s.keys.integrator), await status(s.keys.acme));
    assert.deepEqual((await status(s.keys.acme)).service, { id: svc, name: 'Workplace Acme' });
    assert.equal((await status(s.keys.acme, 'acme-workplace')).service.id, svc);
    assert.equal((await status(s.keys.globex, s.services['globex-hosting'])).status, 'operational');
    for (const [key, want] of [[s.keys.globex, 404], [s.keys.netco, 403], [undefined, 401]]) {
      const r = await s.api('GET', `/v1/services/${svc}/status`, { key });
      assert.equal(r.status, want, r.text);
      check('Error', r.json);
    }
    for (const id of ['00000000-0000-4000-8000-000000000000', 'no-such-service']) {
      const r = await s.api('GET', `/v1/services/${id}/status`, { key: s.keys.integrator });
      assert.equal(r.status, 404, r.text);
      assert.equal(r.json.error.code, 'not_found');
    }
  });

  test('every level, from the open incidents and their priorities', async () => {
    await open('request', 1);
    await open('change', 1);
    assert.equal((await status(s.keys.acme)).status, 'operational', 'only incidents count');

    const p5 = await open('incident', 5);
    let st = await status(s.keys.acme);
    assert.equal(st.status, 'degraded');
    assert.deepEqual(listed(st), ['incident P5']);
    const p3 = await open('incident', 3);
    assert.equal((await status(s.keys.acme)).status, 'degraded');
    const p2 = await open('incident', 2);
    assert.equal((await status(s.keys.acme)).status, 'partial_outage');
    // A priority 1 fanned out to both suppliers.
    const p1 = await open('incident', 1, 'workplace');
    st = await status(s.keys.acme);
    assert.equal(st.status, 'major_outage');
    assert.deepEqual(listed(st), ['incident P1', 'incident P2', 'incident P3', 'incident P5']);
    assert.deepEqual(await status(s.keys.integrator), st);
    // Another customer's service is not touched.
    assert.equal((await status(s.keys.globex, s.services['globex-hosting'])).status, 'operational');

    await resolve(p1);
    st = await status(s.keys.acme);
    assert.equal(st.status, 'partial_outage', 'a resolved incident does not count');
    assert.deepEqual(listed(st), ['incident P2', 'incident P3', 'incident P5']);
    await resolve(p2);
    assert.equal((await status(s.keys.acme)).status, 'degraded');
    await resolve(p3);
    await resolve(p5);
    st = await status(s.keys.acme);
    assert.equal(st.status, 'operational');
    assert.deepEqual(st.incidents, []);
  });

  test('an incident stays open while one of its legs is', async () => {
    const t = await open('incident', 2, 'workplace');
    const legs = await eventually(async () => {
      const n = (await s.sims.netco.tickets()).find((x) => x.keten_ticket === t.id);
      const h = (await s.sims.hostco.tickets()).find((x) => x.keten_ticket === t.id);
      return n && h && { n, h };
    }, 15000, 'both deliveries');
    await s.sims.netco.send({ leg_id: legs.n.leg_id, external_id: legs.n.id, status: 'resolved' });
    await s.sims.hostco.send({ leg_id: legs.h.leg_id, external_id: legs.h.id, status: 'in_progress' });
    await eventually(async () => (await s.api('GET', `/v1/tickets/${t.id}`, { key: s.keys.acme }))
      .json.status === 'in_progress', 15000, 'in_progress');
    const st = await status(s.keys.acme);
    assert.equal(st.status, 'partial_outage');
    assert.deepEqual(listed(st), ['incident P2']);
    await resolve(t);
    assert.equal((await status(s.keys.acme)).status, 'operational');
  });

  test('incidents are shown as the customer sees them', async () => {
    const t = await open('incident', 4, 'workplace');
    await eventually(async () => (await s.sims.hostco.tickets()).some((x) => x.keten_ticket === t.id),
      15000, 'delivery');
    for (const key of [s.keys.acme, s.keys.integrator]) {
      const st = await status(key);
      assert.equal(st.incidents.length, 1);
      const own = (await s.api('GET', `/v1/tickets/${t.id}`, { key: s.keys.acme })).json;
      delete own.timeline;
      delete own.timeline_next_cursor; // the timeline's page goes with it
      assert.deepEqual(st.incidents[0], own);
      const text = JSON.stringify(st);
      for (const leak of ['legs', 'leg', 'netco', 'NetCo', 'hostco', 'HostCo', 'own_status', 'customer']) {
        assert.ok(!text.includes(`"${leak}"`), `${leak} leaked: ${text}`);
      }
      assert.ok(!text.includes('NetCo') && !text.includes('HostCo'), text);
    }
    await resolve(t);
  });
});
