// chain.test.mjs - the chain document's agreements through `keten chain
// import` and `keten chain export` against a real database: every field
// stored where migrations 007 and 014 put it, a change of any of them detected (and
// named) by the next import, --dry-run printing the same plan and changing
// nothing, contracts of suppliers in the database resolved, a contract a
// current chain still names kept from being removed, a bad document
// listing every problem with its JSON path and applying nothing, and
// export -> import -> export a byte-for-byte fixed point.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { keten, newDatabase, dbUrl, psql, chainDoc } from './lib/harness.mjs';

const ROOT = path.resolve(import.meta.dirname, '../..');

const unreachable = { netco: { url: 'https://127.0.0.1:1' }, hostco: { url: 'https://127.0.0.1:1' } };

// The tests' chain with every agreement field set.
export function agreedChain() {
  const doc = chainDoc(unreachable);
  const [netco, hostco] = doc.suppliers;
  netco.contracts = [
    { key: 'netco-gold', name: 'NetCo Gold UC',
      targets: { p1: { acknowledge_min: 15, resolve_min: 240 }, p2: { acknowledge_min: 30 } } },
    { key: 'netco-silver', name: 'NetCo Silver UC' }];
  netco.mapping = { queue: 'broker', priority: { 1: 'P1' } };
  netco.delivery = { max_inflight: 2, timeout_ms: 1500, search_lag_ms: 0 };
  hostco.visibility = { name_to_customer: false };
  hostco.contracts = [{ key: 'hostco-std', name: 'HostCo Standard', targets: { p5: { resolve_min: 10080 } } }];
  const svc = doc.services[0];
  svc.sla = { service_hours: { timezone: 'Europe/Amsterdam', days: ['mon', 'tue', 'wed', 'thu', 'fri'],
    from: '08:00', to: '18:00' }, availability_target: 99.9,
  targets: { p1: { response_min: 15, resolution_min: 240 } } };
  svc.rules = [{ type: 'request', category: 'account', component: 'hosting' }, { category: 'network', component: 'vpn' }];
  const [vpn, hosting] = svc.components[0].children;
  Object.assign(vpn, { contract: 'netco-gold', alternates: ['hostco'], items: ['vpn-gw-01', 'vpn-gw-02'] });
  Object.assign(hosting, { contract: 'hostco-std', items: ['srv-web-01'] });
  doc.services[1].sla = { service_hours: '24x7' };
  return doc;
}

async function setup() {
  const db = await newDatabase();
  const env = { KETEN_DATABASE_URL: dbUrl(db) };
  assert.equal(keten(['migrate'], env).code, 0);
  const dir = mkdtempSync(path.join(process.env.KETEN_TEST_WORK, 'chain-'));
  const file = path.join(dir, 'chain.json');
  const run = (doc, ...opts) => {
    writeFileSync(file, typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2));
    return keten(['chain', 'import', ...opts, file], env);
  };
  return { db, env, run };
}

const one = async (db, sql) => JSON.parse(await psql(db, sql));

test('every agreement field is stored where migration 007 puts it', async () => {
  const { db, run } = await setup();
  const r = run(agreedChain());
  assert.equal(r.code, 0, r.stderr);

  assert.deepEqual(await one(db, "SELECT visibility FROM suppliers WHERE key = 'hostco'"),
    { name_to_customer: false, public_comments_to_customer: true }, 'defaults filled in');
  assert.deepEqual(await one(db, "SELECT visibility FROM suppliers WHERE key = 'netco'"),
    { name_to_customer: true, public_comments_to_customer: true });
  assert.deepEqual(await one(db, "SELECT mapping FROM suppliers WHERE key = 'netco'"),
    { queue: 'broker', priority: { 1: 'P1' } });
  assert.deepEqual(await one(db, "SELECT mapping FROM suppliers WHERE key = 'hostco'"), {});
  assert.deepEqual(await one(db, "SELECT contracts FROM suppliers WHERE key = 'netco'"), agreedChain().suppliers[0].contracts);
  assert.deepEqual(await one(db, "SELECT delivery FROM suppliers WHERE key = 'netco'"),
    { max_inflight: 2, timeout_ms: 1500, search_lag_ms: 0 });
  assert.deepEqual(await one(db, "SELECT delivery FROM suppliers WHERE key = 'hostco'"), {});

  const comp = (key) => one(db, `SELECT json_build_object('contract', c.contract, 'items', c.items,
      'alternates', (SELECT coalesce(json_agg(s.key ORDER BY a.n), '[]') FROM unnest(c.alternates)
        WITH ORDINALITY a(id, n) JOIN suppliers s ON s.id = a.id))
    FROM components c JOIN services v ON v.id = c.service_id
    WHERE v.key = 'acme-workplace' AND c.chain_version = v.chain_version AND c.key = '${key}'`);
  assert.deepEqual(await comp('vpn'), { contract: 'netco-gold', items: ['vpn-gw-01', 'vpn-gw-02'], alternates: ['hostco'] });
  assert.deepEqual(await comp('hosting'), { contract: 'hostco-std', items: ['srv-web-01'], alternates: [] });
  assert.deepEqual(await comp('workplace'), { contract: null, items: [], alternates: [] });

  const version = (svc) => one(db, `SELECT json_build_object('sla', cv.sla, 'rules', cv.rules)
    FROM chain_versions cv JOIN services v ON v.id = cv.service_id AND cv.version = v.chain_version
    WHERE v.key = '${svc}'`);
  assert.deepEqual(await version('acme-workplace'), { sla: agreedChain().services[0].sla, rules: agreedChain().services[0].rules });
  assert.deepEqual(await version('globex-hosting'), { sla: { service_hours: '24x7' }, rules: [] });

  // Without the new fields: the columns' defaults.
  const { db: db2, run: run2 } = await setup();
  assert.equal(run2(chainDoc(unreachable)).code, 0);
  assert.equal(await psql(db2, "SELECT count(*) FROM chain_versions WHERE sla IS NULL AND rules = '[]'"), '2');
  assert.equal(await psql(db2, `SELECT count(*) FROM suppliers WHERE mapping = '{}' AND contracts = '[]'
    AND delivery = '{}'
    AND visibility = '{"name_to_customer": true, "public_comments_to_customer": true}'`), '2');
});

test('a change of any agreement is detected, named, and makes a new chain version', async () => {
  const { db, run } = await setup();
  assert.equal(run(agreedChain()).code, 0);
  let r = run(agreedChain());
  assert.match(r.stdout, /chain import: 0 change\(s\)/, r.stdout);

  const doc = agreedChain();
  doc.suppliers[0].contracts[1].name = 'NetCo Silver UC (2025)';
  doc.suppliers[0].visibility = { public_comments_to_customer: false };
  doc.suppliers[1].mapping = { queue: 'x' };
  doc.suppliers[1].delivery = { retry_budget_s: 3600 };
  r = run(doc);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^~ supplier netco \(contracts, visibility\)$/m);
  assert.match(r.stdout, /^~ supplier hostco \(delivery, mapping\)$/m);
  assert.match(r.stdout, /^= service acme-workplace: unchanged$/m);
  // A supplier's own limit alone, and back to the node's.
  doc.suppliers[0].delivery.max_inflight = 3;
  delete doc.suppliers[1].delivery;
  r = run(doc);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^~ supplier netco \(delivery\)$/m);
  assert.match(r.stdout, /^~ supplier hostco \(delivery\)$/m);
  assert.equal(await psql(db, "SELECT delivery->>'max_inflight' FROM suppliers WHERE key = 'netco'"), '3');
  assert.equal(await psql(db, "SELECT delivery FROM suppliers WHERE key = 'hostco'"), '{}');
  assert.match(r.stdout, /^= service acme-workplace: unchanged$/m);

  // Each chain field alone makes a new version.
  const edits = [
    [(d) => { d.services[0].sla.availability_target = 99.5; }, /\(sla\)/],
    [(d) => { d.services[0].rules.reverse(); }, /\(rules\)/],
    [(d) => { d.services[0].components[0].children[0].contract = 'netco-silver'; }, /\(~ component vpn\)/],
    [(d) => { d.services[0].components[0].children[1].alternates = ['netco']; }, /\(~ component hosting\)/],
    [(d) => { d.services[0].components[0].children[1].items.push('srv-web-02'); }, /\(~ component hosting\)/],
  ];
  let current = doc;
  for (const [i, [edit, want]] of edits.entries()) {
    current = JSON.parse(JSON.stringify(current));
    edit(current);
    r = run(current);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`~ service acme-workplace: chain version ${i + 2} ${want.source}`), r.stdout);
  }
  assert.equal(await psql(db, "SELECT chain_version FROM services WHERE key = 'acme-workplace'"), String(edits.length + 1));
  assert.equal(await psql(db, `SELECT s.key FROM components c JOIN suppliers s ON s.id = ANY (c.alternates)
    JOIN services v ON v.id = c.service_id AND v.chain_version = c.chain_version
    WHERE v.key = 'acme-workplace' AND c.key = 'hosting'`), 'netco');
  // Earlier versions keep their own agreements.
  assert.equal(await psql(db, `SELECT cv.sla->>'availability_target' FROM chain_versions cv
    JOIN services v ON v.id = cv.service_id WHERE v.key = 'acme-workplace' AND cv.version = 1`), '99.9');
});

test('a contract of a supplier in the database must exist there', async () => {
  const { db, run } = await setup();
  assert.equal(run(agreedChain()).code, 0);
  const svc = (contract) => ({ services: [{ key: 'acme-extra', customer: 'acme', name: 'Extra',
    components: [{ key: 'x', name: 'X', kind: 'hardware', supplier: 'hostco', contract, alternates: ['netco'] }] }] });
  let r = run(svc('hostco-std'));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\+ service acme-extra: chain version 1 \(1 component\)/);
  r = run(svc('netco-gold'));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /\/services\/0\/components\/0\/contract: unknown contract "netco-gold"/);
  assert.equal(await psql(db, "SELECT chain_version FROM services WHERE key = 'acme-extra'"), '1', 'nothing applied');
});

test('a contract still named by a current chain cannot be taken from its supplier', async () => {
  const { db, run } = await setup();
  assert.equal(run(agreedChain()).code, 0);
  // acme-lab, only in the database from here on, names netco-silver.
  const lab = { key: 'acme-lab', customer: 'acme', name: 'Lab',
    components: [{ key: 'lab-net', name: 'Lab network', kind: 'network', supplier: 'netco', contract: 'netco-silver' }] };
  let r = run({ services: [lab] });
  assert.equal(r.code, 0, r.stderr);
  const stored = () => psql(db, "SELECT contracts::text FROM suppliers WHERE key = 'netco'");
  const before = await stored();
  const versions = () => psql(db, "SELECT string_agg(key || '=' || chain_version, ',' ORDER BY key) FROM services");
  const versionsBefore = await versions();

  // netco without netco-silver, in a document that leaves acme-lab out;
  // dry run or not, refused at the supplier's contracts, nothing applied.
  const doc = agreedChain();
  doc.suppliers[0].contracts.splice(1, 1);
  doc.suppliers[0].name = 'NetCo Renamed';
  for (const opts of [['--dry-run'], []]) {
    r = run(doc, ...opts);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /^  \/suppliers\/0\/contracts: contract "netco-silver" is still named by component "lab-net" of service "acme-lab"$/m, r.stderr);
    assert.equal(await stored(), before);
    assert.equal(await psql(db, "SELECT name FROM suppliers WHERE key = 'netco'"), 'NetCo');
    assert.equal(await versions(), versionsBefore);
  }

  // A service of the document still naming it, as its current version does
  // in the database: refused too (at the component, by the document's rules).
  doc.suppliers[0].contracts = [{ key: 'netco-silver', name: 'NetCo Silver UC' }];
  r = run(doc);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /\/services\/0\/components\/0\/children\/0\/contract: unknown contract "netco-gold"/);
  assert.equal(await stored(), before);

  // The same document moving its own component off it: accepted, though
  // an earlier version of acme-workplace still names it (not current).
  delete doc.services[0].components[0].children[0].contract;
  r = run(doc);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(await stored()).map((c) => c.key), ['netco-silver']);
  assert.equal(await psql(db, `SELECT count(*) FROM components c JOIN services v ON v.id = c.service_id
    WHERE v.key = 'acme-workplace' AND c.contract = 'netco-gold' AND c.chain_version < v.chain_version`), '1');
  // And once acme-lab lets go of netco-silver, netco may drop it.
  delete lab.components[0].contract;
  assert.equal(run({ services: [lab] }).code, 0);
  doc.suppliers[0].contracts = [];
  r = run(doc);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await stored(), '[]');
});

test('a bad document lists every problem with its path and applies nothing', async () => {
  const { db, run } = await setup();
  const doc = agreedChain();
  doc.suppliers[0].visibility = { name_to_customer: 'no' };
  doc.suppliers[0].contracts[0].targets.p1.resolve_min = 0;
  doc.services[0].sla.service_hours.days = ['mon', 'funday'];
  doc.services[0].rules.push({ component: 'vpn' }, { type: 'request', component: 'nowhere' });
  doc.services[0].components[0].children[0].contract = 'netco-platinum';
  doc.services[0].components[0].children[0].alternates = ['hostco', 'nobody'];
  doc.services[0].components[0].children[1].items = ['vpn-gw-01'];
  const r = run(doc);
  assert.equal(r.code, 1);
  for (const p of ['/suppliers/0/visibility/name_to_customer', '/suppliers/0/contracts/0/targets/p1/resolve_min',
    '/services/0/sla/service_hours/days/1', '/services/0/rules/2', '/services/0/rules/3/component',
    '/services/0/components/0/children/0/contract', '/services/0/components/0/children/1/items/0'])
    assert.match(r.stderr, new RegExp(`^  ${p}: `, 'm'), `${p} in\n${r.stderr}`);
  assert.equal(await psql(db, 'SELECT count(*) FROM suppliers'), '0');

  // Only the database knows "nobody": the same rule, after the document's.
  doc.suppliers[0].visibility = {};
  doc.suppliers[0].contracts[0].targets.p1.resolve_min = 1;
  doc.services[0].sla.service_hours.days = ['mon'];
  doc.services[0].rules.splice(2);
  doc.services[0].components[0].children[0].contract = 'netco-gold';
  doc.services[0].components[0].children[1].items = [];
  const r2 = run(doc);
  assert.equal(r2.code, 1);
  assert.match(r2.stderr, /^  \/services\/0\/components\/0\/children\/0\/alternates\/1: unknown supplier "nobody"/m);
  assert.equal(await psql(db, 'SELECT count(*) FROM suppliers'), '0');
});

// Everything an import may write, as one comparable text.
async function snapshot(db) {
  return (await Promise.all(['customers', 'suppliers', 'services', 'chain_versions', 'components'].map((t) =>
    psql(db, `SELECT coalesce(json_agg(t ORDER BY t::text), '[]') FROM ${t} t`)))).join('\n');
}

test('--dry-run prints the changes of agreements and changes nothing', async () => {
  const { db, run } = await setup();
  assert.equal(run(agreedChain()).code, 0);
  const before = await snapshot(db);

  const doc = agreedChain();
  doc.suppliers[0].contracts.push({ key: 'netco-bronze', name: 'NetCo Bronze UC' });
  doc.suppliers[0].visibility = { name_to_customer: false };
  doc.suppliers[1].mapping = { queue: 'hosting' };
  doc.suppliers.push({ key: 'dataco', name: 'DataCo', adapter: 'webhook',
    endpoint: 'https://127.0.0.1:1/hooks', secret_ref: 'env:KETEN_SECRET_DATACO' });
  const svc = doc.services[0];
  svc.sla.targets.p2 = { response_min: 60 };
  svc.rules.pop();
  const [vpn, hosting] = svc.components[0].children;
  vpn.alternates = ['hostco', 'dataco'];
  hosting.items = [];
  svc.components[0].children.push({ key: 'backup', name: 'Backup', kind: 'data', supplier: 'dataco' });
  doc.services[1].components[0].contract = 'hostco-std';

  const r = run(doc, '--dry-run');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout,
    '= customer acme: unchanged\n' +
    '= customer globex: unchanged\n' +
    '+ supplier dataco\n' +
    '~ supplier hostco (mapping)\n' +
    '~ supplier netco (contracts, visibility)\n' +
    '~ service acme-workplace: chain version 2 (rules, sla, + component backup, ~ component hosting, ~ component vpn)\n' +
    '~ service globex-hosting: chain version 2 (~ component servers)\n' +
    `service acme-workplace id ${await psql(db, "SELECT id FROM services WHERE key = 'acme-workplace'")}\n` +
    `service globex-hosting id ${await psql(db, "SELECT id FROM services WHERE key = 'globex-hosting'")}\n` +
    'chain import: 5 change(s) (dry run, nothing applied)\n');
  assert.equal(await snapshot(db), before, 'a dry run changes no row');

  // The real run does exactly what the dry run printed.
  const real = run(doc);
  assert.equal(real.code, 0, real.stderr);
  assert.equal(real.stdout, r.stdout.replace(' (dry run, nothing applied)', ''));
  assert.notEqual(await snapshot(db), before);
});

function exportChain(env, ...args) {
  const r = keten(['chain', 'export', ...args], env);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

// JSON with every object's members in byte order, indented by two.
function sortedText(v) {
  const sort = (x) => (Array.isArray(x) ? x.map(sort) : x && typeof x === 'object'
    ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, sort(x[k])])) : x);
  return JSON.stringify(sort(v), null, 2) + '\n';
}

test('export writes every field; export -> import is a no-op and a byte-for-byte fixed point', async () => {
  const { env, run } = await setup();
  const doc = agreedChain();
  doc.suppliers[0].mapping.ratio = 0.1; // numbers come back as written
  assert.equal(run(doc).code, 0);
  const first = exportChain(env);
  assert.equal(first, sortedText(JSON.parse(first)), 'keys sorted, stable formatting');

  const got = JSON.parse(first);
  const want = JSON.parse(JSON.stringify(doc));
  for (const s of want.suppliers) {
    s.visibility = { name_to_customer: true, public_comments_to_customer: true, ...s.visibility };
    s.mapping ??= {};
    s.contracts ??= [];
    s.delivery ??= {};
    s.auth ??= { kind: 'standard-webhooks' };
    s.inbound ??= {};
  }
  const byKey = (a, b) => (a.key < b.key ? -1 : 1);
  for (const list of ['customers', 'suppliers', 'services']) want[list].sort(byKey);
  assert.deepEqual(got, want, 'the document as imported, defaults filled in, lists in key order');
  assert.match(first, /"availability_target": 99\.9,/);
  assert.match(first, /"ratio": 0\.1\b/);

  let r = run(first);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^chain import: 0 change\(s\)$/m);
  assert.equal(exportChain(env), first);

  // Into an empty database, and out again: the same bytes.
  const other = await setup();
  r = other.run(first);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(exportChain(other.env), first);

  // A newer chain version is what is exported.
  doc.services[0].rules = [];
  assert.equal(run(doc).code, 0);
  assert.deepEqual(JSON.parse(exportChain(env)).services.find((s) => s.key === 'acme-workplace').rules, []);
});

test('export --service writes that service with its customer and suppliers, enough to import alone', async () => {
  const { env, run } = await setup();
  const doc = agreedChain();
  doc.customers.push({ key: 'initech', name: 'Initech' });
  doc.suppliers.push({ key: 'dataco', name: 'DataCo', adapter: 'webhook',
    endpoint: 'https://127.0.0.1:1/hooks', secret_ref: 'env:KETEN_SECRET_DATACO' });
  doc.services[1].components[0].alternates = ['dataco'];
  assert.equal(run(doc).code, 0);

  let got = JSON.parse(exportChain(env, '--service', 'globex-hosting'));
  assert.deepEqual(got.customers.map((c) => c.key), ['globex']);
  assert.deepEqual(got.suppliers.map((s) => s.key), ['dataco', 'hostco'], 'supplier and alternates');
  assert.deepEqual(got.services.map((s) => s.key), ['globex-hosting']);
  got = JSON.parse(exportChain(env, '--service', 'acme-workplace'));
  assert.deepEqual(got.suppliers.map((s) => s.key), ['hostco', 'netco']);

  const alone = await setup();
  const text = exportChain(env, '--service', 'acme-workplace');
  const r = alone.run(text);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(exportChain(alone.env), text);

  const none = keten(['chain', 'export', '--service', 'nobody'], env);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /no service "nobody"/);
  assert.equal(none.stdout, '');
  assert.equal(keten(['chain', 'export', 'extra'], env).code, 2);
  // An empty database exports an empty, importable document.
  assert.equal(exportChain((await setup()).env), '{\n  "customers": [],\n  "services": [],\n  "suppliers": []\n}\n');
});

test('the demo chain imports, exports and imports again as a no-op', async () => {
  const { env, run } = await setup();
  let r = keten(['chain', 'import', path.join(ROOT, 'deploy/demo-chain.json')], env);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\+ service acme-workplace: chain version 1 \(8 components\)/);
  r = run(exportChain(env));
  assert.match(r.stdout, /^chain import: 0 change\(s\)$/m);
});
