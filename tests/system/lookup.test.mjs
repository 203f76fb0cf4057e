// lookup.test.mjs - a create whose attempt may have reached the supplier is
// looked up by its correlation id (the leg id) before it is sent again, so
// the supplier never gets a second ticket: once against a simulator that
// honours Idempotency-Key, once against one that ignores it and whose search
// lags 2 s behind its writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, eventually, psql } from './lib/harness.mjs';

const LAG_MS = 3000;          // supplier_search_lag_ms: above the sim's lag
const variants = [
  { name: 'honours Idempotency-Key', sim: { idempotency: 'honour' } },
  { name: 'ignores Idempotency-Key, search lags 2 s', sim: { idempotency: 'ignore', searchLagMs: 2000 } },
];

const config = {
  KETEN_SUPPLIER_TIMEOUT_MS: '1000', KETEN_LEASE_MS: '3000',
  KETEN_SUPPLIER_SEARCH_LAG_MS: String(LAG_MS),
  KETEN_RETRY_BASE_MS: '100', KETEN_RETRY_MAX_MS: '200',
};

const post = (s, summary) => s.api('POST', '/v1/tickets', { key: s.keys.acme, body: {
  service: s.services['acme-workplace'], type: 'incident', summary, description: 'lookup',
  impact: 2, urgency: 2 } });

const netcoLeg = (s, ticket) => psql(s.db, 'SELECT l.id FROM legs l JOIN suppliers p ON p.id = l.supplier_id' +
  ` WHERE l.ticket_id = '${ticket}' AND p.key = 'netco'`);

const ofLeg = (records, leg, type) => records.filter((r) => r.json?.type === type &&
  r.json?.data?.leg?.id === leg);

for (const v of variants) {
  test(`an answer that never comes: the lookup finds the ticket, no second create (${v.name})`, async () => {
    const s = await startStack({ config, sim: { netco: v.sim, hostco: v.sim } });
    try {
      await s.sims.netco.mode({ mode: 'hang', apply: true });
      const r = await post(s, 'hung create');
      assert.equal(r.status, 201, r.text);
      const leg = await netcoLeg(s, r.json.id);
      const created = await eventually(async () => ofLeg(await s.sims.netco.received(), leg,
        'leg.create')[0], 15000, 'the create reached netco');
      assert.equal(created.applied, 201, 'netco made its ticket; the answer never came');
      await s.sims.netco.mode({ mode: 'normal' });

      await eventually(async () => await psql(s.db, `SELECT state FROM outbox WHERE leg_id = '${leg}'`) === 'done',
        30000, 'the create settled');
      const records = await s.sims.netco.received();
      assert.equal(ofLeg(records, leg, 'leg.create').length, 1, 'the create went out once');
      const lookup = ofLeg(records, leg, 'leg.lookup')[0];
      assert.ok(lookup, 'netco was asked before any re-create');
      assert.ok(lookup.at - created.at >= LAG_MS, `looked up ${lookup.at - created.at} ms after the create`);
      assert.equal(lookup.headers['idempotency-key'], undefined, 'a lookup is a read');
      assert.notEqual(lookup.headers['webhook-id'], created.headers['webhook-id']);
      const mine = (await s.sims.netco.tickets()).filter((t) => t.leg_id === leg);
      assert.equal(mine.length, 1, 'one supplier ticket');
      assert.equal(await psql(s.db, `SELECT external_id FROM legs WHERE id = '${leg}'`), mine[0].id);
      const ev = await psql(s.db, `SELECT data->'outcome'->>'code' FROM events WHERE leg_id = '${leg}'` +
        " AND kind = 'delivered'");
      assert.equal(ev, 'found_by_lookup');
    } finally {
      await s.stop();
    }
  });

  test(`a 503 to a create: the lookup finds nothing, the create goes out once (${v.name})`, async () => {
    const s = await startStack({ config, sim: { netco: v.sim, hostco: v.sim } });
    try {
      await s.sims.netco.mode({ mode: 'status', status: 503 });
      const r = await post(s, 'refused create');
      assert.equal(r.status, 201, r.text);
      const leg = await netcoLeg(s, r.json.id);
      await eventually(async () => ofLeg(await s.sims.netco.received(), leg, 'leg.create').length > 0,
        15000, 'the create reached netco');
      await s.sims.netco.mode({ mode: 'normal' });
      await eventually(async () => await psql(s.db, `SELECT state FROM outbox WHERE leg_id = '${leg}'`) === 'done',
        30000, 'the create settled');
      const records = await s.sims.netco.received();
      const lookups = ofLeg(records, leg, 'leg.lookup');
      assert.ok(lookups.length >= 1, 'looked up before the create went out again');
      assert.equal(lookups.at(-1).answered, 404, 'the last lookup found nothing');
      const creates = ofLeg(records, leg, 'leg.create');
      assert.equal(creates.at(-1).answered, 201);
      assert.ok(creates.at(-1).at > lookups.at(-1).at, 'the create went out after the lookup');
      assert.equal((await s.sims.netco.tickets()).filter((t) => t.leg_id === leg).length, 1);
      assert.equal(await psql(s.db, `SELECT in_doubt FROM outbox WHERE leg_id = '${leg}'`), 'f');
    } finally {
      await s.stop();
    }
  });
}
