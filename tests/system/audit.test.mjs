// audit.test.mjs - the tamper-evident trail (issue 14): every event and
// every message of a ticket is chained by hash in the statement that
// writes it, so `keten audit verify` finds an edited, removed or
// reordered record (changed by SQL as a superuser) and names it; a chain
// rewritten consistently in the database is caught by a signed checkpoint
// (`keten audit checkpoint`) kept outside it. Migration 029 chains the
// records written before it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startStack, psql, keten, secret } from './lib/harness.mjs';
import { deliveredTicket, update, settled } from './lib/tickets.mjs';

let s;
let env;
const key = secret();
before(async () => {
  s = await startStack();
  env = { ...s.env, KETEN_AUDIT_KEY: 'env:KETEN_SECRET_AUDIT', KETEN_SECRET_AUDIT: key };
});
after(async () => { await s.stop(); });

const verify = (...args) => keten(['audit', 'verify', ...args], env);

// A ticket with comments both ways and a supplier's status push, every
// message delivered.
// Without a component it fans out to netco and hostco, legs and their
// creates written by one statement.
async function busyTicket(summary, component = 'vpn') {
  const t = await deliveredTicket(s, { summary, ...(component ? { component } : {}) });
  for (const text of ['first', 'second', 'third']) {
    const r = await s.api('POST', `/v1/tickets/${t.id}/comments`,
      { key: s.keys.acme, body: { text: `${summary}: ${text}` } });
    assert.equal(r.status, 201, r.text);
  }
  await update(s, t, 'netco', { status: 'in_progress' });
  await settled(s, t);
  return t;
}

// The chain of ticket t as [{type, id, seq}] by place.
async function chainOf(t) {
  const rows = await psql(s.db, `SELECT 'event', id, chain_seq FROM events WHERE ticket_id = '${t.id}'
    UNION ALL SELECT 'message', o.id, o.chain_seq FROM outbox o JOIN legs l ON l.id = o.leg_id
    WHERE l.ticket_id = '${t.id}' ORDER BY 3`);
  return rows.split('\n').map((r) => {
    const [type, id, seq] = r.split('|');
    return { type, id, seq: Number(seq) };
  });
}

// The comment events of ticket t, by id.
const commentEvents = async (t) => (await psql(s.db,
  `SELECT id FROM events WHERE ticket_id = '${t.id}' AND kind = 'comment' ORDER BY id`)).split('\n');

test('every event and message is chained in the order written, and verify finds it intact', async () => {
  const tickets = await Promise.all([busyTicket('chain one'), busyTicket('chain two', null)]);
  // Comments racing on one ticket queue on its chain head: no fork.
  const rs = await Promise.all(Array.from({ length: 8 }, (_, i) => s.api('POST',
    `/v1/tickets/${tickets[0].id}/comments`, { key: s.keys.acme, body: { text: `race ${i}` } })));
  for (const r of rs) assert.equal(r.status, 201, r.text);
  await settled(s, tickets[0]);
  for (const t of tickets) {
    const chain = await chainOf(t);
    assert.ok(chain.length >= 10, `a chain of ${chain.length}`);
    assert.deepEqual(chain.map((r) => r.seq), chain.map((_, i) => i + 1), 'places 1..n, once each');
    assert.ok(chain.some((r) => r.type === 'message') && chain.some((r) => r.type === 'event'));
    assert.equal(await psql(s.db, `SELECT seq FROM audit_heads WHERE ticket_id = '${t.id}'`),
      String(chain.length));
  }
  const r = verify();
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /every chain intact/);
  // The trigger's canonical bytes are the C ones: the golden record of
  // tests/unit/test_audit_chain.c hashes the same in PostgreSQL.
  assert.equal(await psql(s.db, `SELECT encode(sha256(keten_audit_event_bytes(
    jsonb_populate_record(NULL::events, '{"id": 17, "ticket_id": "0b5c2f1e-9d3a-4c7e-8f00-1234567890ab",
      "kind": "comment", "visibility": "customer", "actor": "customer:acme", "holder": "customer:acme",
      "occurred_at": "2026-12-06T01:02:03.000004Z", "recorded_at": "2026-12-06T01:02:03.123456Z",
      "data": {"text": "café"}}'), NULL)), 'hex')`),
  '26cd3160e929eec1e4ba33e8861575f9eedbcc2648383c51de65c722c071c5fa');
  // Tickets are read a page of 100 at a time: every one is checked.
  await psql(s.db, `INSERT INTO audit_heads (ticket_id, seq)
    SELECT gen_random_uuid(), 0 FROM generate_series(1, 250)`);
  const all = await psql(s.db, 'SELECT count(*) FROM (SELECT id FROM tickets UNION SELECT ticket_id FROM audit_heads) x');
  const paged = verify();
  assert.equal(paged.code, 0, paged.stdout + paged.stderr);
  assert.match(paged.stdout, new RegExp(`^audit: ${all} ticket\\(s\\)`, 'm'));
  await psql(s.db, 'DELETE FROM audit_heads WHERE seq = 0');
  const one = verify('--ticket', tickets[1].id);
  assert.equal(one.code, 0, one.stdout + one.stderr);
  assert.match(one.stdout, /^audit: 1 ticket\(s\)/m);
});

test('migration 029 chains the records written before it', async () => {
  const t = await busyTicket('before the trail');
  await psql(s.db, `
    DROP TRIGGER events_audit_link ON events;
    DROP TRIGGER outbox_audit_link ON outbox;
    DROP TRIGGER outbox_audit_link_late ON outbox;
    DROP FUNCTION keten_audit_link(), keten_audit_link_late(),
      keten_audit_append_event(events, uuid), keten_audit_append_message(outbox, uuid),
      keten_audit_event_bytes(events, bytea),
      keten_audit_message_bytes(outbox, uuid, bytea), keten_audit_head(text, bigint, uuid, bytea),
      keten_audit_ns(text), keten_audit_ts(timestamptz);
    ALTER TABLE events DROP COLUMN chain_seq, DROP COLUMN chain_prev, DROP COLUMN chain_hash;
    ALTER TABLE outbox DROP COLUMN chain_seq, DROP COLUMN chain_prev, DROP COLUMN chain_hash;
    DROP TABLE audit_heads;
    DROP INDEX outbox_ticket_idx;
    DELETE FROM schema_migrations WHERE version = 29`);
  const m = keten(['migrate'], env);
  assert.equal(m.code, 0, m.stderr);
  assert.match(m.stdout, /1 migration\(s\) applied/);
  const chain = await chainOf(t);
  assert.deepEqual(chain.map((r) => r.seq), chain.map((_, i) => i + 1));
  const r = verify();
  assert.equal(r.code, 0, r.stdout + r.stderr);
  // and new records join the backfilled chain
  await update(s, t, 'netco', { status: 'resolved' });
  await settled(s, t);
  assert.equal(verify('--ticket', t.id).code, 0);
});

test('a message queued before its leg in one statement (as the previous release\'s intake does) is linked at its end', async () => {
  const t = await busyTicket('late link');
  // The leg's insert is not read by the statement: it runs after the
  // message's, so the message's trigger cannot find its ticket yet.
  const id = await psql(s.db, `WITH x AS MATERIALIZED (SELECT gen_random_uuid() AS id),
    l AS (INSERT INTO legs (id, ticket_id, next_seq) SELECT x.id, '${t.id}', 2 FROM x),
    o AS (INSERT INTO outbox (leg_id, seq, operation, idempotency_key, priority, state)
      SELECT x.id, 1, 'create', 'msg_late_' || x.id, 3, 'done' FROM x RETURNING id)
    SELECT id FROM o`);
  const chain = await chainOf(t);
  assert.deepEqual(chain.map((r) => r.seq), chain.map((_, i) => i + 1));
  assert.deepEqual(chain.at(-1), { type: 'message', id, seq: chain.length });
  const r = verify('--ticket', t.id);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  // One written with the trigger off is no link at all, and is reported.
  await psql(s.db, `SET session_replication_role = replica;
    INSERT INTO outbox (leg_id, supplier_id, seq, operation, idempotency_key, priority, state)
      SELECT leg_id, supplier_id, 2, 'update', 'msg_off_' || leg_id, 3, 'done' FROM outbox
      WHERE id = ${id};
    SET session_replication_role = origin`);
  const off = verify('--ticket', t.id);
  assert.equal(off.code, 1);
  assert.match(off.stdout, /edited: it has no link/);
  await psql(s.db, `DELETE FROM outbox WHERE idempotency_key = 'msg_off_' || (SELECT leg_id FROM outbox WHERE id = ${id})`);
  assert.equal(verify('--ticket', t.id).code, 0);
});

test('an edited, a removed and a reordered record are each found and named', async () => {
  const [edited, removed, reordered] = await Promise.all(
    ['edit me', 'remove from me', 'reorder me'].map((x) => busyTicket(x)));
  const [e1] = await commentEvents(edited);
  await psql(s.db, `UPDATE events SET data = jsonb_set(data, '{text}', '"forged"') WHERE id = ${e1}`);
  const [, r2] = await commentEvents(removed);
  const gone = (await chainOf(removed)).find((r) => r.id === r2);
  await psql(s.db, `DELETE FROM events WHERE id = ${r2}`);
  const [o1, o2] = await commentEvents(reordered);
  const [a, b] = (await chainOf(reordered)).filter((r) => r.id === o1 || r.id === o2);
  await psql(s.db, `UPDATE events SET chain_seq = CASE id WHEN ${o1} THEN ${b.seq} ELSE ${a.seq} END
    WHERE id IN (${o1}, ${o2})`);

  const r = verify();
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const line = (t) => r.stdout.split('\n').find((l) => l.includes(t.id)) || '';
  assert.match(line(edited), new RegExp(`\\(event ${e1}\\): edited:`));
  assert.match(line(removed), new RegExp(`at place ${gone.seq} .*: removed: place ${gone.seq} is missing`));
  assert.match(line(reordered), new RegExp(`at place ${a.seq} \\(event ${o2}\\): reordered:`));
  assert.equal(r.stdout.split('\n').filter((l) => l.startsWith('broken:')).length, 3, r.stdout);
  assert.match(r.stdout, /3 broken/);
  assert.equal(verify('--ticket', removed.id).code, 1);

  // A message edited (what was sent to the supplier) is found too.
  const m = await psql(s.db, `SELECT o.id FROM outbox o JOIN legs l ON l.id = o.leg_id
    WHERE l.ticket_id = '${edited.id}' AND o.operation = 'comment' ORDER BY o.id LIMIT 1`);
  await psql(s.db, `UPDATE events SET data = jsonb_set(data, '{text}', '"edit me: first"') WHERE id = ${e1}`);
  assert.equal(verify('--ticket', edited.id).code, 0, 'putting the text back mends it');
  await psql(s.db, `UPDATE outbox SET payload = jsonb_set(payload, '{comment,text}', '"forged"') WHERE id = ${m}`);
  const rm = verify('--ticket', edited.id);
  assert.equal(rm.code, 1);
  assert.match(rm.stdout, new RegExp(`\\(message ${m}\\): edited:`));
  // Delivery state is not part of the chain: the dispatcher updates it.
  assert.equal(verify('--ticket', (await busyTicket('state changes')).id).code, 0);
});

test('a chain rewritten in the database is caught by a signed checkpoint', async () => {
  const t = await busyTicket('rewrite me');
  const file = path.join(s.dir, 'audit.checkpoint');
  const cp = keten(['audit', 'checkpoint', '--out', file], env);
  assert.equal(cp.code, 0, cp.stderr);
  assert.match(readFileSync(file, 'utf8'), new RegExp(`^${t.id} \\d+ [0-9a-f]{64}$`, 'm'));
  assert.equal(verify('--ticket', t.id, '--anchor', file).code, 0);

  // A DBA edits a comment and recomputes every later link and the head
  // with the database's own functions: the chain alone looks intact.
  const [e1] = await commentEvents(t);
  await psql(s.db, `
    UPDATE events SET data = jsonb_set(data, '{text}', '"rewritten"') WHERE id = ${e1};
    DO $$
    DECLARE r record; p bytea;
    BEGIN
      SELECT chain_prev INTO p FROM events WHERE id = ${e1};
      FOR r IN SELECT 'event' AS kind, e.id, e.chain_seq FROM events e
               WHERE e.ticket_id = '${t.id}' AND e.id >= ${e1}
               UNION ALL
               SELECT 'message', o.id, o.chain_seq FROM outbox o
               JOIN legs l ON l.id = o.leg_id WHERE l.ticket_id = '${t.id}'
               AND o.chain_seq > (SELECT chain_seq FROM events WHERE id = ${e1})
               ORDER BY 3 LOOP
        IF r.kind = 'event' THEN
          UPDATE events e SET chain_prev = p, chain_hash = sha256(keten_audit_event_bytes(e, p))
            WHERE e.id = r.id RETURNING e.chain_hash INTO p;
        ELSE
          UPDATE outbox o SET chain_prev = p,
            chain_hash = sha256(keten_audit_message_bytes(o, '${t.id}', p))
            WHERE o.id = r.id RETURNING o.chain_hash INTO p;
        END IF;
      END LOOP;
      UPDATE audit_heads SET head = p WHERE ticket_id = '${t.id}';
    END $$`);
  assert.equal(verify('--ticket', t.id).code, 0, 'the rewrite is consistent in the database');
  const r = verify('--ticket', t.id, '--anchor', file);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /: anchor: place \d+ differs from the checkpoint/);

  // The checkpoint is only as good as its MAC: another key, or an edit.
  const other = keten(['audit', 'verify', '--anchor', file], { ...env, KETEN_SECRET_AUDIT: secret() });
  assert.equal(other.code, 1);
  assert.match(other.stderr, /mac does not match/);
  writeFileSync(file, readFileSync(file, 'utf8').replace(/^(\S+ \d+ )[0-9a-f]/m, '$1x'));
  assert.equal(verify('--anchor', file).code, 1);
  // No key configured, or no such file: could not verify.
  assert.equal(keten(['audit', 'verify', '--anchor', file], s.env).code, 3);
  assert.equal(verify('--anchor', path.join(s.dir, 'none')).code, 3);
  assert.equal(verify('--ticket', 'not-a-uuid').code, 2);
});

test('the acting API key and an SLA notification are in the chain', async () => {
  const t = await busyTicket('who acted');
  const [e1] = await commentEvents(t);
  const acting = await psql(s.db, `SELECT key_id FROM events WHERE id = ${e1}`);
  assert.match(acting, /^[0-9a-f-]{36}$/, 'the comment names the customer key that posted it');
  const other = await psql(s.db, `SELECT id FROM api_keys WHERE id <> '${acting}' LIMIT 1`);
  await psql(s.db, `UPDATE events SET key_id = '${other}' WHERE id = ${e1}`);
  let r = verify('--ticket', t.id);
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stdout, new RegExp(`\\(event ${e1}\\): edited:`), 'another key put in its place is found');
  await psql(s.db, `UPDATE events SET key_id = '${acting}' WHERE id = ${e1}`);
  assert.equal(verify('--ticket', t.id).code, 0);

  // A notification to the integrator's webhook has no leg: it joins its ticket's chain.
  const n = await psql(s.db, `INSERT INTO outbox (leg_id, ticket_id, seq, operation, idempotency_key,
      priority, payload, target, state)
    VALUES (NULL, '${t.id}', 0, 'notify', 'sla_audit_${t.id}', 3, '{"type": "sla.breach"}',
      '{"endpoint": "https://127.0.0.1:1/"}', 'done') RETURNING id || '|' || (chain_hash IS NOT NULL)`);
  const [nid, linked] = n.split('|');
  assert.equal(linked, 'true');
  assert.equal(verify('--ticket', t.id).code, 0);
  await psql(s.db, `UPDATE outbox SET payload = '{"type": "sla.warning"}' WHERE id = ${nid}`);
  r = verify('--ticket', t.id);
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stdout, new RegExp(`\\(message ${nid}\\): edited:`));
  await psql(s.db, `DELETE FROM outbox WHERE id = ${nid}`);
});
