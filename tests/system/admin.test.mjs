// admin.test.mjs - the integrator API on customers, suppliers and services
// against the real broker: create, read, list, update and delete each kind
// with chain-document objects; a changed chain makes a new version and the
// old one stays readable; a bad body is 422 with every problem's path and
// changes nothing (so is a supplier PUT dropping a contract a current chain
// still names); deleting what is in use is 409 and deletes nothing; only
// integrator keys get in.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, eventually, psql, keten } from './lib/harness.mjs';
import { checkSchema as check } from './lib/schema-check.mjs';

const paths = (r) => r.json.error.details.map((d) => d.path).sort();

describe('integrator API', () => {
  let s;
  const as = (method, p, body, key) => s.api(method, p, { key: key ?? s.keys.integrator, body });
  const count = async (table) => Number(await psql(s.db, `SELECT count(*) FROM ${table}`));

  before(async () => { s = await startStack(); });
  after(async () => { await s.stop(); });

  test('only integrator keys get in', async () => {
    const id = s.services['acme-workplace'];
    const calls = [['GET', '/v1/customers'], ['POST', '/v1/customers', { key: 'x', name: 'X' }],
      ['GET', '/v1/suppliers/netco'], ['PUT', '/v1/suppliers/netco', { name: 'N' }],
      ['DELETE', '/v1/customers/acme'], ['GET', '/v1/services'],
      ['GET', `/v1/services/${id}`], ['DELETE', `/v1/services/${id}`],
      ['GET', `/v1/services/${id}/chain`]];
    for (const [method, p, body] of calls) {
      for (const key of [s.keys.acme, s.keys.netco]) {
        const r = await as(method, p, body, key);
        assert.equal(r.status, 403, `${method} ${p}: ${r.text}`);
        assert.equal(r.json.error.code, 'forbidden');
      }
      const r = await s.api(method, p, { body });
      assert.equal(r.status, 401, `${method} ${p} without a key`);
    }
    assert.equal(await count("customers WHERE key = 'x'"), 0);
    assert.equal((await as('GET', '/v1/suppliers/netco')).json.name, 'NetCo');
  });

  test('customers: create, read by key and id, list, update, delete', async () => {
    const c = await as('POST', '/v1/customers', { key: 'initech', name: 'Initech' });
    assert.equal(c.status, 201, c.text);
    check('Customer', c.json);
    assert.deepEqual(Object.keys(c.json).sort(), ['id', 'key', 'name']);
    assert.equal(c.json.key, 'initech');
    assert.equal((await as('GET', '/v1/customers/initech')).json.id, c.json.id);
    assert.deepEqual((await as('GET', `/v1/customers/${c.json.id}`)).json, c.json);

    const again = await as('POST', '/v1/customers', { key: 'initech', name: 'Other' });
    assert.equal(again.status, 409, again.text);
    assert.equal(again.json.error.code, 'already_exists');
    assert.equal((await as('GET', '/v1/customers/initech')).json.name, 'Initech');

    // Pages in key order: acme, globex, initech.
    const seen = [];
    let cursor = null;
    do {
      const page = await as('GET', `/v1/customers?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(page.status, 200, page.text);
      check('CustomerPage', page.json);
      seen.push(...page.json.items.map((x) => x.key));
      cursor = page.json.next_cursor;
    } while (cursor);
    assert.deepEqual(seen, ['acme', 'globex', 'initech']);

    // A GET answer, edited, goes back as is; a PUT without a key keeps it.
    const u = await as('PUT', '/v1/customers/initech', { ...c.json, name: 'Initech Ltd' });
    assert.equal(u.status, 200, u.text);
    assert.deepEqual(u.json, { ...c.json, name: 'Initech Ltd' });
    const u2 = await as('PUT', `/v1/customers/${c.json.id}`, { name: 'Initech BV' });
    assert.equal(u2.status, 200, u2.text);
    assert.equal(u2.json.key, 'initech');
    assert.equal((await as('GET', '/v1/customers/initech')).json.name, 'Initech BV');

    const renamed = await as('PUT', '/v1/customers/initech', { key: 'initrode', name: '' });
    assert.equal(renamed.status, 422, renamed.text);
    assert.deepEqual(paths(renamed), ['/key', '/name']);
    assert.equal(await count("customers WHERE key IN ('initech', 'initrode') AND name = 'Initech BV'"), 1);

    const d = await as('DELETE', '/v1/customers/initech');
    assert.equal(d.status, 204, d.text);
    assert.equal(d.text, '');
    assert.equal((await as('GET', '/v1/customers/initech')).status, 404);
    assert.equal((await as('GET', `/v1/customers/${c.json.id}`)).status, 404);
    assert.equal((await as('DELETE', '/v1/customers/initech')).status, 404);
    assert.equal((await as('PUT', '/v1/customers/initech', { name: 'x' })).status, 404);
    assert.equal(await count("customers WHERE key = 'initech'"), 0);
  });

  test('suppliers: secrets stay references; every problem listed, nothing changed', async () => {
    const body = { key: 'dataco', name: 'DataCo', adapter: 'webhook',
      endpoint: 'https://127.0.0.1:1/hooks', secret_ref: 'env:KETEN_SECRET_DATACO' };
    const c = await as('POST', '/v1/suppliers', body);
    assert.equal(c.status, 201, c.text);
    check('Supplier', c.json);
    assert.equal(c.json.secret_ref, 'env:KETEN_SECRET_DATACO');
    for (const [k, v] of Object.entries(body)) assert.deepEqual(c.json[k], v, k);

    const netco = await as('GET', '/v1/suppliers/netco');
    assert.equal(netco.status, 200);
    assert.equal(netco.json.secret_ref, 'env:KETEN_SECRET_NETCO');
    assert.ok(!netco.text.includes(s.secrets.netco), 'a secret never leaves');

    const before = await count('suppliers');
    const bad = await as('POST', '/v1/suppliers', { key: 'Bad Key', name: '', adapter: 'nope',
      endpoint: 'http://plain', secret_ref: 'whsec_inline', colour: 'red' });
    assert.equal(bad.status, 422, bad.text);
    assert.equal(bad.json.error.code, 'invalid_chain');
    check('Error', bad.json);
    assert.deepEqual(paths(bad), ['/adapter', '/colour', '/endpoint', '/key', '/name', '/secret_ref']);
    assert.equal(await count('suppliers'), before);

    const badPut = await as('PUT', '/v1/suppliers/dataco', { ...body, endpoint: 'ftp://x', adapter: 'nope' });
    assert.equal(badPut.status, 422, badPut.text);
    assert.deepEqual(paths(badPut), ['/adapter', '/endpoint']);
    assert.deepEqual((await as('GET', '/v1/suppliers/dataco')).json, c.json);

    const u = await as('PUT', '/v1/suppliers/dataco', { ...body, endpoint: 'https://127.0.0.1:2/hooks' });
    assert.equal(u.status, 200, u.text);
    assert.equal(u.json.endpoint, 'https://127.0.0.1:2/hooks');

    const bodyErr = await s.api('PUT', '/v1/suppliers/dataco', { key: s.keys.integrator, raw: '{"name":' });
    assert.equal(bodyErr.status, 400);
    const mediaErr = await s.api('POST', '/v1/suppliers', { key: s.keys.integrator, raw: '{}',
      headers: { 'content-type': 'text/plain' } });
    assert.equal(mediaErr.status, 415);

    const d = await as('DELETE', '/v1/suppliers/dataco');
    assert.equal(d.status, 204, d.text);
    assert.equal(await count("suppliers WHERE key = 'dataco'"), 0);
  });

  test('services: a changed chain is a new version, the old one stays readable', async () => {
    const svc = { key: 'globex-network', customer: 'globex', name: 'Network Globex',
      default_component: 'wan',
      components: [{ key: 'wan', name: 'WAN', kind: 'network', supplier: 'netco' }] };
    const c = await as('POST', '/v1/services', svc);
    assert.equal(c.status, 201, c.text);
    check('Service', c.json);
    assert.equal(c.json.chain_version, 1);
    assert.deepEqual({ ...c.json, id: undefined, chain_version: undefined },
      { ...svc, id: undefined, chain_version: undefined });
    const id = c.json.id;
    assert.equal((await as('POST', '/v1/services', svc)).status, 409);

    const t1 = await s.api('POST', '/v1/tickets', { key: s.keys.globex, body: { service: id,
      type: 'incident', summary: 'WAN down', description: 'v1', impact: 2, urgency: 2 } });
    assert.equal(t1.status, 201, t1.text);

    const svc2 = { ...svc, name: 'Network Globex NV', default_component: 'lan',
      components: [svc.components[0],
        { key: 'lan', name: 'LAN', kind: 'network', supplier: 'hostco' }] };
    const u = await as('PUT', `/v1/services/${id}`, svc2);
    assert.equal(u.status, 200, u.text);
    assert.equal(u.json.chain_version, 2);
    assert.equal(u.json.name, 'Network Globex NV');
    assert.equal(u.json.components.length, 2);

    // The same object again changes nothing.
    const same = await as('PUT', '/v1/services/globex-network', u.json);
    assert.equal(same.status, 200, same.text);
    assert.deepEqual(same.json, u.json);

    const v1 = await as('GET', `/v1/services/${id}/chain?version=1`);
    assert.equal(v1.status, 200, v1.text);
    check('ChainVersion', v1.json);
    assert.equal(v1.json.version, 1);
    assert.equal(v1.json.current, false);
    assert.deepEqual(v1.json.document, svc);
    assert.match(v1.json.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const cur = await as('GET', '/v1/services/globex-network/chain');
    assert.equal(cur.status, 200, cur.text);
    check('ChainVersion', cur.json);
    assert.equal(cur.json.version, 2);
    assert.equal(cur.json.current, true);
    assert.deepEqual(cur.json.document, svc2);
    assert.deepEqual(cur.json.service, { id, key: 'globex-network', name: 'Network Globex NV' });
    assert.equal((await as('GET', `/v1/services/${id}/chain?version=3`)).status, 404);
    assert.equal((await as('GET', `/v1/services/${id}/chain?version=3`)).json.error.code,
      'unknown_version');
    for (const v of ['0', 'x', '1.5', '-1', '99999999999']) {
      const r = await as('GET', `/v1/services/${id}/chain?version=${v}`);
      assert.equal(r.status, 400, `version=${v}`);
      assert.equal(r.json.error.code, 'invalid_version');
    }

    // Tickets keep the version that routed them; new ones take the new one.
    const t2 = await s.api('POST', '/v1/tickets', { key: s.keys.globex, body: { service: id,
      type: 'incident', summary: 'LAN down', description: 'v2', impact: 2, urgency: 2 } });
    assert.equal(t2.status, 201, t2.text);
    const full = async (t) => (await as('GET', `/v1/tickets/${t.json.id}`)).json;
    assert.equal((await full(t1)).chain_version, 1);
    assert.equal((await full(t2)).chain_version, 2);
    assert.equal((await full(t2)).legs[0].supplier.key, 'hostco');

    const list = await as('GET', '/v1/services');
    assert.equal(list.status, 200);
    check('ServicePage', list.json);
    assert.deepEqual(list.json.items.map((x) => x.key),
      ['acme-workplace', 'globex-hosting', 'globex-network']);
  });

  test('services: 422 lists every problem with its path and changes nothing', async () => {
    const id = s.services['globex-hosting'];
    const before = await as('GET', `/v1/services/${id}`);
    const versions = await count(`chain_versions WHERE service_id = '${id}'`);
    const bad = await as('PUT', `/v1/services/${id}`, { ...before.json, customer: 'acme',
      default_component: 'nowhere',
      components: [{ key: 'servers', name: 'Servers', kind: 'hardware', supplier: 'ghostco' },
        { key: 'servers', name: 'Again', kind: 'cloud', supplier: 'hostco' }] });
    assert.equal(bad.status, 422, bad.text);
    assert.deepEqual(paths(bad), ['/components/1/key', '/components/1/kind', '/default_component']);
    assert.match(JSON.stringify(bad.json), /first at \/components\/0\/key/);
    assert.doesNotMatch(JSON.stringify(bad.json), /\/services\/0/);

    // Problems only the database can see: an unknown supplier, a new customer.
    const bad2 = await as('PUT', `/v1/services/${id}`, { ...before.json, customer: 'acme',
      components: [{ key: 'servers', name: 'Servers', kind: 'hardware', supplier: 'ghostco' }] });
    assert.equal(bad2.status, 422, bad2.text);
    assert.deepEqual(paths(bad2), ['/components/0/supplier', '/customer']);
    const bad3 = await as('POST', '/v1/services', { key: 'orphan', customer: 'nobody', name: 'O',
      components: [{ key: 'a', name: 'A', kind: 'data', supplier: 'netco' }] });
    assert.equal(bad3.status, 422, bad3.text);
    assert.deepEqual(paths(bad3), ['/customer']);

    assert.deepEqual((await as('GET', `/v1/services/${id}`)).json, before.json);
    assert.equal(await count(`chain_versions WHERE service_id = '${id}'`), versions);
    assert.equal(await count("services WHERE key = 'orphan'"), 0);
  });

  test('agreements, settings and routing round-trip, as export shows them', async () => {
    const sup = { key: 'cloudco', name: 'CloudCo', adapter: 'webhook',
      endpoint: 'https://127.0.0.1:1/hooks', secret_ref: 'file:/etc/keten/cloudco.whsec',
      visibility: { name_to_customer: false, public_comments_to_customer: true },
      mapping: { status: { open: 'in_progress' }, queue: 'L2' },
      contracts: [{ key: 'cloudco-gold', name: 'CloudCo Gold UC',
        targets: { p1: { acknowledge_min: 15, resolve_min: 240 }, p3: { acknowledge_min: 60, resolve_min: 1440 } } }],
      delivery: { max_inflight: 4, timeout_ms: 2000 },
      auth: { kind: 'basic', username: 'keten', secret_ref: 'file:/etc/keten/cloudco.pass' },
      inbound: { secret_ref: 'env:KETEN_SECRET_PUSH_CLOUDCO', username: 'cloudco' } };
    const c = await as('POST', '/v1/suppliers', sup);
    assert.equal(c.status, 201, c.text);
    check('Supplier', c.json);
    assert.deepEqual(c.json, { id: c.json.id, ...sup });
    assert.deepEqual((await as('GET', '/v1/suppliers/cloudco')).json, c.json);
    // The defaults of what a body leaves out are stored and shown.
    const plain = (await as('GET', '/v1/suppliers/hostco')).json;
    check('Supplier', plain);
    assert.deepEqual(plain.visibility, { name_to_customer: true, public_comments_to_customer: true });
    assert.deepEqual(plain.mapping, {});
    assert.deepEqual(plain.contracts, []);
    // nothing but the loopback allow every test chain adds (harness allowLoopback)
    assert.deepEqual(plain.delivery, { allow_addresses: ['loopback'] });
    assert.deepEqual(plain.auth, { kind: 'standard-webhooks' });
    assert.deepEqual(plain.inbound, {});
    assert.equal(plain.poll, undefined, 'a supplier that is not polled shows no poll');

    const svc = { key: 'globex-cloud', customer: 'globex', name: 'Cloud Globex',
      default_component: 'compute',
      sla: { service_hours: { timezone: 'Europe/Amsterdam', days: ['mon', 'tue', 'wed', 'thu', 'fri'],
        from: '08:00', to: '18:00' }, availability_target: 99.9,
      targets: { p1: { response_min: 15, resolution_min: 240 } } },
      rules: [{ type: 'request', category: 'account', component: 'storage' }],
      components: [
        { key: 'compute', name: 'Compute', kind: 'hardware', supplier: 'cloudco',
          contract: 'cloudco-gold', alternates: ['hostco'], items: ['vm-01', 'vm-02'] },
        { key: 'storage', name: 'Storage', kind: 'data', supplier: 'hostco', items: ['san-01'] }] };
    const v1 = await as('POST', '/v1/services', svc);
    assert.equal(v1.status, 201, v1.text);
    check('Service', v1.json);
    assert.deepEqual(v1.json, { id: v1.json.id, chain_version: 1, ...svc });

    // What the API shows is what `keten chain export` writes.
    const exported = JSON.parse(keten(['chain', 'export', '--service', 'globex-cloud'], s.env).stdout);
    assert.deepEqual(exported.services, [svc]);
    const strip = ({ id, ...rest }) => rest;
    assert.deepEqual(exported.suppliers.find((x) => x.key === 'cloudco'), strip(c.json));
    assert.deepEqual(exported.suppliers.find((x) => x.key === 'hostco'), strip(plain));

    // Each kind of agreement or routing change is a new chain version.
    const changes = [
      { ...svc, sla: { ...svc.sla, availability_target: 99.5 } },
      { ...svc, rules: [{ category: 'backup', component: 'storage' }] },
      { ...svc, components: [{ ...svc.components[0], items: ['vm-01'] }, svc.components[1]] },
      { ...svc, components: [{ ...svc.components[0], alternates: [] }, svc.components[1]] },
    ];
    let version = 1;
    for (const body of changes) {
      const r = await as('PUT', '/v1/services/globex-cloud', body);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.chain_version, ++version);
      assert.deepEqual(r.json, { id: v1.json.id, chain_version: version, ...body });
    }
    const first = await as('GET', '/v1/services/globex-cloud/chain?version=1');
    assert.deepEqual(first.json.document, svc);
    assert.equal((await as('GET', '/v1/services/globex-cloud/chain?version=2')).json.document
      .sla.availability_target, 99.5);

    // A supplier's settings change in place, no chain version.
    const u = await as('PUT', '/v1/suppliers/cloudco', { ...sup, visibility: { name_to_customer: true },
      contracts: [...sup.contracts, { key: 'cloudco-silver', name: 'CloudCo Silver UC' }] });
    assert.equal(u.status, 200, u.text);
    // The stored object: what the body left out of visibility is its default.
    assert.deepEqual(u.json.visibility, { name_to_customer: true, public_comments_to_customer: true });
    assert.deepEqual(u.json.contracts.map((x) => x.key), ['cloudco-gold', 'cloudco-silver']);
    assert.equal((await as('GET', '/v1/services/globex-cloud')).json.chain_version, version);

    // The checks of the new members, with their paths; nothing changes.
    const before = (await as('GET', '/v1/services/globex-cloud')).json;
    const bad = await as('PUT', '/v1/services/globex-cloud', { ...svc,
      sla: { service_hours: 'always', availability_target: 120 },
      rules: [{ component: 'nowhere' }],
      components: [svc.components[0], { ...svc.components[1], items: ['vm-01'] }] });
    assert.equal(bad.status, 422, bad.text);
    const got = paths(bad);
    for (const want of ['/sla/service_hours', '/sla/availability_target', '/rules/0',
      '/components/1/items/0']) {
      assert.ok(got.some((x) => x.startsWith(want)), `${want} not in ${got}`);
    }
    assert.ok(got.every((x) => !x.startsWith('/services')), got.join(' '));
    // What only the database can tell: a contract the supplier lacks, an
    // unknown alternate.
    const bad2 = await as('PUT', '/v1/services/globex-cloud', { ...svc,
      components: [{ ...svc.components[0], contract: 'cloudco-platinum', alternates: ['ghostco'] },
        svc.components[1]] });
    assert.equal(bad2.status, 422, bad2.text);
    assert.deepEqual(paths(bad2), ['/components/0/alternates/0', '/components/0/contract']);
    assert.deepEqual((await as('GET', '/v1/services/globex-cloud')).json, before);
    const badSup = await as('PUT', '/v1/suppliers/cloudco', { ...sup,
      visibility: { name_to_customer: 'no' }, mapping: [], contracts: [{ key: 'x', name: 'X',
        targets: { p9: {}, p1: { acknowledge_min: -1 } } }], delivery: { max_inflight: 0 } });
    assert.equal(badSup.status, 422, badSup.text);
    for (const want of ['/visibility/name_to_customer', '/mapping', '/contracts/0/targets',
      '/delivery/max_inflight']) {
      assert.ok(paths(badSup).some((x) => x.startsWith(want)), `${want} not in ${paths(badSup)}`);
    }
    assert.deepEqual((await as('GET', '/v1/suppliers/cloudco')).json, u.json);

    // An alternate is a reference too: hostco's only other use here.
    const alt = await as('POST', '/v1/suppliers', { ...sup, key: 'spareco', contracts: [] });
    assert.equal(alt.status, 201, alt.text);
    const withSpare = { ...svc, components: [{ ...svc.components[0], alternates: ['spareco'] },
      svc.components[1]] };
    assert.equal((await as('PUT', '/v1/services/globex-cloud', withSpare)).status, 200);
    const inUse = await as('DELETE', '/v1/suppliers/spareco');
    assert.equal(inUse.status, 409, inUse.text);
    assert.equal(inUse.json.error.code, 'in_use');
  });

  test('deleting what is in use is 409 and deletes nothing', async () => {
    const t = await s.api('POST', '/v1/tickets', { key: s.keys.acme, body: {
      service: s.services['acme-workplace'], type: 'incident', summary: 'in use',
      description: 'refers', impact: 3, urgency: 3, component: 'vpn' } });
    assert.equal(t.status, 201, t.text);
    await eventually(async () => (await s.sims.netco.tickets()).some((x) => x.keten_ticket === t.json.id),
      15000, 'delivery');
    const tables = ['customers', 'suppliers', 'services', 'chain_versions', 'components', 'api_keys'];
    const counts = () => Promise.all(tables.map(count));
    const was = await counts();
    for (const [p, kinds] of [['/v1/suppliers/netco', /ticket/],
      ['/v1/customers/acme', /service/], [`/v1/services/${s.services['acme-workplace']}`, /ticket/],
      ['/v1/suppliers/hostco', /component/]]) {
      const r = await as('DELETE', p);
      assert.equal(r.status, 409, `${p}: ${r.text}`);
      assert.equal(r.json.error.code, 'in_use');
      check('Error', r.json);
      assert.match(r.json.error.details.map((d) => d.message).join('\n'), kinds);
    }
    const netco = await as('DELETE', '/v1/suppliers/netco');
    assert.deepEqual(netco.json.error.details.map((d) => d.message).sort(),
      [`${await count("components WHERE supplier_id = (SELECT id FROM suppliers WHERE key = 'netco')")} component(s) refer to it`,
        `${await count("(SELECT DISTINCT ticket_id FROM legs WHERE supplier_id = (SELECT id FROM suppliers WHERE key = 'netco')) x")} ticket(s) refer to it`].sort());
    assert.deepEqual(await counts(), was);
    // The supplier and customer keys still work.
    assert.equal((await s.api('GET', `/v1/tickets/${t.json.id}`, { key: s.keys.netco })).status, 200);
    assert.equal((await s.api('GET', `/v1/tickets/${t.json.id}`, { key: s.keys.acme })).status, 200);
  });

  test('a service without tickets goes with its versions; then its customer', async () => {
    const cust = await as('POST', '/v1/customers', { key: 'hooli', name: 'Hooli' });
    assert.equal(cust.status, 201, cust.text);
    const svc = await as('POST', '/v1/services', { key: 'hooli-data', customer: 'hooli',
      name: 'Data Hooli', components: [{ key: 'db', name: 'DB', kind: 'data', supplier: 'hostco' }] });
    assert.equal(svc.status, 201, svc.text);
    const u = await as('PUT', '/v1/services/hooli-data', { ...svc.json, name: 'Data Hooli 2' });
    assert.equal(u.json.chain_version, 2);
    assert.equal((await as('DELETE', '/v1/customers/hooli')).status, 409);
    const d = await as('DELETE', '/v1/services/hooli-data');
    assert.equal(d.status, 204, d.text);
    assert.equal((await as('GET', `/v1/services/${svc.json.id}/chain?version=1`)).status, 404);
    assert.equal(await count(`chain_versions WHERE service_id = '${svc.json.id}'`), 0);
    assert.equal(await count(`components WHERE service_id = '${svc.json.id}'`), 0);
    const k = keten(['key', 'create', '--role', 'customer', '--customer', 'hooli'], s.env);
    assert.equal(k.code, 0, k.stderr);
    assert.equal((await s.api('GET', '/v1/tickets', { key: k.stdout.trim() })).status, 200);
    assert.equal((await as('DELETE', '/v1/customers/hooli')).status, 204);
    assert.equal(await count("customers WHERE key = 'hooli'"), 0);
    // Its API keys went with it.
    assert.equal((await s.api('GET', '/v1/tickets', { key: k.stdout.trim() })).status, 401);
  });

  test('a PUT cannot take a contract from a supplier while a current chain names it', async () => {
    const gold = { key: 'up-gold', name: 'UplinkCo Gold' };
    const body = { key: 'uplinkco', name: 'UplinkCo', adapter: 'webhook', endpoint: 'https://127.0.0.1:1/hooks',
      secret_ref: 'env:KETEN_SECRET_UPLINKCO', contracts: [gold] };
    const sup = await as('POST', '/v1/suppliers', body);
    assert.equal(sup.status, 201, sup.text);
    const svc = await as('POST', '/v1/services', { key: 'acme-uplink', customer: 'acme', name: 'Uplink Acme',
      components: [{ key: 'uplink', name: 'Uplink', kind: 'network', supplier: 'uplinkco', contract: 'up-gold' }] });
    assert.equal(svc.status, 201, svc.text);

    const bad = await as('PUT', '/v1/suppliers/uplinkco', { ...sup.json, name: 'UplinkCo 2', contracts: [] });
    assert.equal(bad.status, 422, bad.text);
    check('Error', bad.json);
    assert.equal(bad.json.error.code, 'invalid_chain');
    assert.deepEqual(bad.json.error.details, [{ path: '/contracts',
      message: 'contract "up-gold" is still named by component "uplink" of service "acme-uplink"' }]);
    assert.deepEqual((await as('GET', '/v1/suppliers/uplinkco')).json, sup.json, 'nothing applied');

    // Adding one keeps what is named: fine. A new chain version without it frees it.
    const more = await as('PUT', '/v1/suppliers/uplinkco', { ...body, contracts: [gold, { key: 'up-silver', name: 'S' }] });
    assert.equal(more.status, 200, more.text);
    const moved = await as('PUT', '/v1/services/acme-uplink', { ...svc.json,
      components: [{ ...svc.json.components[0], contract: 'up-silver' }] });
    assert.equal(moved.status, 200, moved.text);
    const dropped = await as('PUT', '/v1/suppliers/uplinkco', { ...body, contracts: [{ key: 'up-silver', name: 'S' }] });
    assert.equal(dropped.status, 200, dropped.text);
    assert.equal((await as('DELETE', '/v1/services/acme-uplink')).status, 204);
    assert.equal((await as('DELETE', '/v1/suppliers/uplinkco')).status, 204);
  });
});
