// cursors.test.mjs - issue 14, finding 6: every list answers a cursor it
// did not hand out (not its shape, one far too long) with 400
// "invalid_cursor" and a JSON error, never a 500 or a page read as if
// there were no cursor; a value with a NUL (%00) or bytes that are not
// UTF-8 is a query that cannot be read (400 "invalid_query"), never a
// shorter value; and the same for the deliveries' supplier filter.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack } from './lib/harness.mjs';

let s;
before(async () => { s = await startStack(); });
after(async () => { await s.stop(); });

const LISTS = ['/v1/tickets', '/v1/deliveries', '/v1/customers', '/v1/suppliers', '/v1/services'];
// malformed for every list: tickets take "<microseconds>_<uuid>",
// deliveries a message id, the integrator's lists a key
const BAD = ['%ff%fe', 'a%00b', 'a'.repeat(300), '1_zz', '-1', 'Acme', '12_%c3%28', 'a%20b'];

test('a malformed cursor is 400 invalid_cursor on every list', async () => {
  for (const list of LISTS) {
    const first = await s.api('GET', `${list}?limit=1`, { key: s.keys.integrator });
    assert.equal(first.status, 200, `${list}: ${first.text}`);
    for (const bad of BAD) {
      const r = await s.api('GET', `${list}?cursor=${bad}`, { key: s.keys.integrator });
      assert.equal(r.status, 400, `${list} cursor ${bad.slice(0, 40)}: ${r.text}`);
      // a NUL or bytes that are not UTF-8: the query itself cannot be read
      const want = /%00|%ff|%c3%28/.test(bad) ? 'invalid_query' : 'invalid_cursor';
      assert.equal(r.json.error.code, want, `${list} cursor ${bad.slice(0, 40)}: ${r.text}`);
    }
  }
});

test('a malformed supplier filter of the deliveries is 400', async () => {
  for (const bad of ['%ff', 'a%00', 'NetCo', 'a'.repeat(300)]) {
    const r = await s.api('GET', `/v1/deliveries?supplier=${bad}`, { key: s.keys.integrator });
    assert.equal(r.status, 400, `supplier ${bad.slice(0, 40)}: ${r.text}`);
    const want = /%00|%ff/.test(bad) ? 'invalid_query' : 'invalid_supplier';
    assert.equal(r.json.error.code, want, r.text);
  }
});
