// tls.test.mjs - supplier certificates are verified: a simulator whose
// certificate comes from another CA, or names another host, gets nothing
// from the broker, and the delivery fails as a classified TLS error
// (not sent, retried) visible to the integrator.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startStack, eventually } from './lib/harness.mjs';

const CERTS = process.env.KETEN_TEST_CERTS;
let s;
before(async () => {
  s = await startStack({ sim: {
    netco: { cert: path.join(CERTS, 'foreign.pem'), tlsKey: path.join(CERTS, 'foreign.key') },
    hostco: { cert: path.join(CERTS, 'wronghost.pem'), tlsKey: path.join(CERTS, 'wronghost.key') },
  } });
});
after(async () => { await s.stop(); });

for (const [component, supplier, why] of [['vpn', 'netco', 'another CA'], ['hosting', 'hostco', 'another host name']]) {
  test(`a supplier certificate from ${why} fails delivery as a TLS error`, async () => {
    const r = await s.api('POST', '/v1/tickets', { key: s.keys.acme, body: {
      service: s.services['acme-workplace'], type: 'incident', summary: `tls ${supplier}`,
      description: '', impact: 1, urgency: 1, component } });
    assert.equal(r.status, 201, r.text);
    const leg = await eventually(async () => {
      const v = await s.api('GET', `/v1/tickets/${r.json.id}`, { key: s.keys.integrator });
      const l = v.json.legs[0];
      return l.delivery?.outcome && l.delivery.attempts >= 2 ? l : null;
    }, 20000, 'a classified failed attempt, retried');
    assert.equal(leg.supplier.key, supplier);
    assert.equal(leg.delivery.state, 'pending', 'a TLS failure is retried, never dropped');
    assert.equal(leg.delivery.outcome.kind, 'not_sent');
    assert.equal(leg.delivery.outcome.code, 'tls_error');
    assert.equal(leg.external_id, null);
    const got = await s.sims[supplier].received();
    assert.equal(got.length, 0, 'nothing reached a supplier that failed verification');
  });
}
