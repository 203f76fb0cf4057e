// route-cache.test.mjs - the route plans each node keeps (issue 10,
// store/rule_route_cache.h): with a long route_cache_ms a ticket whose plan
// is kept costs one statement, and kept plans stay right on two nodes of
// one database: a chain version that moved without any notice is caught by
// the write's version guard on the very next ticket; a change of what is
// not versioned with the chain (a supplier's ticket types, its contracts)
// takes effect on every node once its notice (keten_chain) is heard, long
// before the TTL; errors are never kept, so a fixed chain takes effect at
// once. Every timing here is a generous ceiling far below the TTL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { startStack, startNode, chainDoc, eventually, psql, writeChain } from './lib/harness.mjs';
import { scrape, value } from './lib/metrics.mjs';

const run = promisify(execFile);
const TTL = { KETEN_DISPATCH: '0', KETEN_ROUTE_CACHE_MS: '60000' };
const HEARD_MS = 5000; // ceiling for a notice to reach both nodes; the TTL is 60 s

// The test chain with netco's "gold" contract on vpn, and hostco an RT
// supplier whose mapping has queues for `types` (nothing is delivered:
// both nodes run with dispatch off).
function cacheChain(sims, { types = ['incident', 'request'], ackMin = 30, vpn = 'netco' } = {}) {
  const doc = chainDoc(sims);
  doc.suppliers[0].contracts = [{ key: 'gold', name: 'NetCo Gold', service_hours: '24x7',
    targets: { p3: { acknowledge_min: ackMin, resolve_min: 4800 } } }];
  doc.suppliers[1] = { key: 'hostco', name: 'HostCo RT', adapter: 'rt',
    endpoint: 'https://127.0.0.1:1', secret_ref: 'env:KETEN_SECRET_HOSTCO',
    auth: { kind: 'bearer', scheme: 'token', secret_ref: 'env:KETEN_SECRET_HOSTCO' },
    mapping: { queues: Object.fromEntries(types.map((t) => [t, 'Hosting'])),
      reference_field: 'Keten', integration_user: 'keten' } };
  const vpnComponent = doc.services[0].components[0].children[0];
  vpnComponent.supplier = vpn;
  if (vpn === 'netco') vpnComponent.contract = 'gold';
  return doc;
}

let s, b;
before(async () => {
  s = await startStack({ chain: cacheChain, config: TTL });
  b = await startNode(s, 'second', TTL);
});
after(async () => {
  await b.stop();
  await s.stop();
});

const nodes = () => [['first', s], ['second', b]];

async function importChain(opts) {
  const file = path.join(s.dir, `cache-${Date.now()}-${Math.random()}.json`);
  writeChain(file, cacheChain(s.sims, opts));
  await run(process.env.KETEN_BIN, ['chain', 'import', file], { env: { ...process.env, ...s.env } });
}

const post = (node, body) => node.api('POST', '/v1/tickets', { key: s.keys.acme, body: {
  service: s.services['acme-workplace'], type: 'incident', summary: 'route cache',
  description: '', impact: 2, urgency: 2, ...body } });

// The suppliers of a ticket's legs, sorted.
const suppliersOf = async (id) => (await psql(s.db, `SELECT string_agg(sp.key, ',' ORDER BY sp.key)
  FROM legs l JOIN suppliers sp ON sp.id = l.supplier_id WHERE l.ticket_id = '${id}'`));

const plans = async (node) => {
  const m = await scrape(node);
  return { hit: value(m, 'keten_route_plans_total', { result: 'hit' }),
    miss: value(m, 'keten_route_plans_total', { result: 'miss' }) };
};

test('many tickets to one service route right from kept plans: one read per kind of ticket', async () => {
  const kinds = [[{ component: 'vpn' }, 'netco'], [{ component: 'hosting' }, 'hostco'],
    [{}, 'hostco,netco']];
  for (const [, node] of nodes()) {
    const before = await plans(node);
    const filed = [];
    for (const [body, want] of kinds) {
      const r = await post(node, body);
      assert.equal(r.status, 201, r.text);
      filed.push([r.json.id, want]);
    }
    for (let i = 0; i < 10; i++) {
      const batch = await Promise.all(kinds.map(([body]) => post(node, body)));
      batch.forEach((r, k) => {
        assert.equal(r.status, 201, r.text);
        filed.push([r.json.id, kinds[k][1]]);
      });
    }
    for (const [id, want] of filed) assert.equal(await suppliersOf(id), want, `ticket ${id}`);
    const now = await plans(node);
    assert.equal(now.miss - before.miss, 3, 'one plan read per kind of ticket');
    assert.equal(now.hit - before.hit, 30, 'every other ticket planned from the kept plan');
  }
});

test('a chain version moved without a notice: the very next ticket on each node follows it', async () => {
  for (const [, node] of nodes()) assert.equal(await suppliersOf((await post(node, { component: 'vpn' })).json.id), 'netco');
  // A new version routing vpn to hostco, written behind the brokers' back:
  // no import, so no notice; only the write's version guard can see it.
  await psql(s.db, `
    INSERT INTO chain_versions (service_id, version, document, default_component, sla, rules)
     SELECT cv.service_id, cv.version + 1, jsonb_set(cv.document #- '{components,0,children,0,contract}',
       '{components,0,children,0,supplier}', '"hostco"'), cv.default_component, cv.sla, cv.rules
     FROM chain_versions cv JOIN services sv ON sv.id = cv.service_id AND sv.chain_version = cv.version
     WHERE sv.key = 'acme-workplace';
    INSERT INTO components (service_id, chain_version, key, name, kind, parent_key, supplier_id,
      contract, alternates, items)
     SELECT c.service_id, c.chain_version + 1, c.key, c.name, c.kind, c.parent_key,
      CASE WHEN c.key = 'vpn' THEN (SELECT id FROM suppliers WHERE key = 'hostco') ELSE c.supplier_id END,
      CASE WHEN c.key = 'vpn' THEN NULL ELSE c.contract END, c.alternates, c.items
     FROM components c JOIN services sv ON sv.id = c.service_id AND sv.chain_version = c.chain_version
     WHERE sv.key = 'acme-workplace';
    UPDATE services SET chain_version = chain_version + 1 WHERE key = 'acme-workplace'`);
  for (const [name, node] of nodes()) {
    const before = await plans(node);
    const r = await post(node, { component: 'vpn' });
    assert.equal(r.status, 201, r.text);
    assert.equal(await suppliersOf(r.json.id), 'hostco', `the ${name} node routed by the new version`);
    assert.equal(await psql(s.db, `SELECT t.chain_version = sv.chain_version FROM tickets t
      JOIN services sv ON sv.id = t.service_id WHERE t.id = '${r.json.id}'`), 't');
    const now = await plans(node);
    assert.deepEqual([now.hit - before.hit, now.miss - before.miss], [1, 1],
      'the kept plan was tried, refused by the version guard, dropped and read again');
    assert.equal(await suppliersOf((await post(node, { component: 'vpn' })).json.id), 'hostco');
  }
  // An import brings vpn back to netco: at once on both nodes.
  await importChain();
  for (const [name, node] of nodes()) {
    assert.equal(await suppliersOf((await post(node, { component: 'vpn' })).json.id), 'netco',
      `the ${name} node after the import`);
  }
});

// Posts on node until check(answer) holds; fails after HEARD_MS.
const until = (node, body, check, what) => eventually(async () => check(await post(node, body)),
  HEARD_MS, what);

test('a supplier\'s ticket types change with no new chain version: every node refuses, then accepts, once it hears', async () => {
  const request = { component: 'hosting', type: 'request' };
  const versionBefore = await psql(s.db, "SELECT chain_version FROM services WHERE key = 'acme-workplace'");
  for (const [, node] of nodes()) {
    for (let i = 0; i < 2; i++) assert.equal((await post(node, request)).status, 201);
  }
  const kept = await plans(b);
  await importChain({ types: ['incident'] });
  assert.equal(await psql(s.db, "SELECT chain_version FROM services WHERE key = 'acme-workplace'"),
    versionBefore, 'only the supplier changed: the service keeps its chain version');
  for (const [name, node] of nodes()) {
    const r = await until(node, request, (x) => (x.status === 422 ? x : null),
      `the ${name} node to refuse request tickets for hostco`);
    assert.equal(r.json.error.code, 'type_not_accepted', r.text);
    // refusals are not kept: each one reads the chain again
    const before = await plans(node);
    assert.equal((await post(node, request)).status, 422);
    assert.equal((await plans(node)).miss - before.miss, 1);
  }
  assert.ok((await plans(b)).hit >= kept.hit, 'the second node planned from kept plans before');
  // The chain fixed: accepted again, with no TTL to wait for.
  await importChain();
  for (const [name, node] of nodes()) {
    const r = await until(node, request, (x) => (x.status === 201 ? x : null),
      `the ${name} node to accept request tickets again`);
    assert.equal(await suppliersOf(r.json.id), 'hostco');
  }
});

test('a supplier\'s contract changes: every node\'s next tickets carry the new targets once it hears', async () => {
  const ack = async (id) => Number(await psql(s.db, `SELECT l.sla_contract->'targets'->'p3'->>'acknowledge_min'
    FROM legs l JOIN suppliers sp ON sp.id = l.supplier_id WHERE l.ticket_id = '${id}' AND sp.key = 'netco'`));
  for (const [, node] of nodes()) {
    for (let i = 0; i < 2; i++) {
      const r = await post(node, { component: 'vpn' });
      assert.equal(r.status, 201, r.text);
      assert.equal(await ack(r.json.id), 30);
    }
  }
  const before = await Promise.all(nodes().map(([, node]) => plans(node)));
  await importChain({ ackMin: 45 });
  for (const [name, node] of nodes()) {
    await until(node, { component: 'vpn' }, async (r) => r.status === 201 && (await ack(r.json.id)) === 45,
      `the ${name} node's tickets to carry the new contract`);
  }
  const after = await Promise.all(nodes().map(([, node]) => plans(node)));
  after.forEach((a, i) => assert.ok(a.hit > before[i].hit || a.miss > before[i].miss));
});

test('an unknown component is refused every time, also beside kept plans', async () => {
  for (const [, node] of nodes()) {
    assert.equal((await post(node, { component: 'vpn' })).status, 201);
    for (let i = 0; i < 3; i++) {
      const r = await post(node, { component: 'nosuch' });
      assert.equal(r.status, 422, r.text);
      assert.equal(r.json.error.code, 'unknown_component');
      assert.equal(r.json.error.details[0].path, '/component');
    }
  }
});
