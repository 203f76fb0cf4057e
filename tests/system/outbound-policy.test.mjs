// outbound-policy.test.mjs - issue 14, finding 4: where the broker may
// call and which secrets it may read. A supplier on a loopback address
// without an explicit allow (delivery.allow_addresses) is never connected
// to: its message ends as a dead letter "address_not_allowed" whose shown
// message names no address (the log does), while the allowed supplier
// beside it is served. A chain with a user in an endpoint, or a secret_ref
// naming another variable than KETEN_SECRET_*, is refused at import. A
// file: secret is read from the secrets directory, but a symlink in it
// (pointing at a file outside) is not, and the outcome shows no path.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { startStack, eventually, chainDoc, keten, psql, writeChain } from './lib/harness.mjs';
import { fileTicket, ticketOf, supplierTickets } from './lib/tickets.mjs';

async function deadOutcome(s, supplier) {
  return eventually(async () => {
    const r = await s.api('GET', `/v1/deliveries?state=dead&supplier=${supplier}`,
      { key: s.keys.integrator });
    assert.equal(r.status, 200, r.text);
    return r.json.items[0]?.outcome;
  }, 15000, `a dead letter of ${supplier}`);
}

describe('a supplier on a loopback address', () => {
  let s;
  before(async () => {
    // netco says explicitly that it allows nothing beyond public addresses
    s = await startStack({ chain: (sims) => {
      const doc = chainDoc(sims);
      doc.suppliers[0].delivery = { allow_addresses: [] };
      return doc;
    } });
  });
  after(async () => { await s.stop(); });

  test('without an allow is never called: a dead letter that names no address', async () => {
    const refused = await fileTicket(s, 'vpn', 'to netco, not allowed');
    const served = await fileTicket(s, 'hosting', 'to hostco, allowed');
    await eventually(async () => (await supplierTickets(s.sims.hostco, served.id)).length === 1,
      15000, 'the allowed supplier served');
    const outcome = await deadOutcome(s, 'netco');
    assert.equal((await ticketOf(s, refused.id)).legs[0].delivery.state, 'dead');
    assert.equal(outcome.code, 'address_not_allowed');
    assert.doesNotMatch(outcome.message, /127\.0\.0\.1/, 'the outcome shows no address');
    assert.match(s.log.text, /127\.0\.0\.1 \(loopback\) is not allowed/, 'the log names it');
    const got = (await s.sims.netco.received()).filter((x) => x.json?.data?.id === refused.id);
    assert.equal(got.length, 0, 'nothing reached the refused supplier');
  });
});

describe('chain import refuses', () => {
  let s;
  before(async () => { s = await startStack(); });
  after(async () => { await s.stop(); });

  const refuses = (mutate, pathRe, msgRe) => {
    const doc = chainDoc(s.sims);
    mutate(doc);
    const file = path.join(s.dir, `bad-${Math.random().toString(16).slice(2)}.json`);
    writeChain(file, doc);
    const r = keten(['chain', 'import', file], s.env);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, pathRe);
    assert.match(r.stderr, msgRe);
    assert.doesNotMatch(r.stderr, /hunter2/, 'the password is not echoed');
  };

  test('a user and password in an endpoint', () => {
    refuses((d) => { d.suppliers[0].endpoint = `https://keten:hunter2@${new URL(d.suppliers[0].endpoint).host}/hooks`; },
      /\/suppliers\/0\/endpoint/, /must not carry a user or password/);
  });

  test('a secret_ref naming the database URL or any other non-secret variable', () => {
    refuses((d) => { d.suppliers[0].secret_ref = 'env:KETEN_DATABASE_URL'; },
      /\/suppliers\/0\/secret_ref/, /KETEN_SECRET_/);
    refuses((d) => { d.suppliers[1].secret_ref = 'env:PATH'; },
      /\/suppliers\/1\/secret_ref/, /KETEN_SECRET_/);
  });

  test('an allow list of anything but loopback, private and link-local', () => {
    refuses((d) => { d.suppliers[0].delivery = { allow_addresses: ['any'] }; },
      /\/suppliers\/0\/delivery\/allow_addresses/, /loopback, private and link-local/);
  });
});

describe('file: secrets', () => {
  let s, secrets, outside;
  before(async () => {
    secrets = mkdtempSync(path.join(process.env.KETEN_TEST_WORK, 'secrets-'));
    outside = mkdtempSync(path.join(process.env.KETEN_TEST_WORK, 'outside-'));
    s = await startStack({
      config: { KETEN_SECRETS_DIR: secrets },
      chain: (sims) => {
        const doc = chainDoc(sims);
        doc.suppliers[0].secret_ref = `file:${secrets}/netco`;
        doc.suppliers[1].secret_ref = `file:${secrets}/hostco`;
        return doc;
      },
    });
    // read when a call is made: written once the stack (and its secrets) is up
    writeFileSync(path.join(secrets, 'netco'), `${s.secrets.netco}\n`, { mode: 0o600 });
    writeFileSync(path.join(outside, 'hostco'), `${s.secrets.hostco}\n`, { mode: 0o600 });
    symlinkSync(path.join(outside, 'hostco'), path.join(secrets, 'hostco'));
  });
  after(async () => { await s.stop(); });

  test('one directly in the secrets directory signs the delivery', async () => {
    const t = await fileTicket(s, 'vpn', 'signed with a file secret');
    await eventually(async () => (await supplierTickets(s.sims.netco, t.id)).length === 1,
      15000, 'the delivery to netco');
  });

  test('a symlink out of it is not followed; the outcome shows no path', async () => {
    const t = await fileTicket(s, 'hosting', 'secret behind a symlink');
    const shown = await eventually(async () => {
      const o = await psql(s.db, `SELECT o.outcome::text FROM outbox o JOIN legs l ON l.id = o.leg_id
        WHERE l.ticket_id = '${t.id}' AND o.outcome IS NOT NULL`);
      return o && JSON.parse(o);
    }, 15000, 'the outcome of the refused secret');
    assert.equal(shown.code, 'secret_unavailable', JSON.stringify(shown));
    assert.doesNotMatch(shown.message, /secrets-|outside-|symlink|\//, JSON.stringify(shown));
    assert.match(s.log.text, /it is a symlink/, 'the log says why');
    assert.equal((await supplierTickets(s.sims.hostco, t.id)).length, 0);
  });
});
