// stream.test.mjs - the live stream GET /v1/stream (issue 15): server-sent
// events fed by the keten_live NOTIFY channel of migration 031, filtered per
// principal (a customer hears only its own tickets), a comment heartbeat,
// its own cap (503 + Retry-After beyond it), counted in /metrics, and the
// stream of a revoked key ended within the recheck interval. Ceilings are
// generous; nothing is timed exactly.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { startStack, startNode, keten, psql, eventually, certs, opsHeaders, request } from './lib/harness.mjs';
import { fileTicketId, ticketBody } from './lib/tickets.mjs';

let s;
before(async () => { s = await startStack({ config: { KETEN_STREAM_HEARTBEAT_MS: '300' } }); });
after(async () => { await s?.stop(); });

// Opens a stream; resolves once its headers came. The returned object
// gathers events ({event, data}) and comment lines as they arrive.
function openStream(url, key) {
  return new Promise((resolve, reject) => {
    const headers = { accept: 'text/event-stream' };
    if (key) headers.authorization = `Bearer ${key}`;
    const req = https.request(new URL('/v1/stream', url),
      { headers, ca: readFileSync(certs().ca), agent: false }, (res) => {
        const st = { status: res.statusCode, headers: res.headers, events: [], comments: 0,
          text: '', ended: false };
        let pending = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          st.text += d;
          pending += d;
          let i;
          while ((i = pending.indexOf('\n\n')) >= 0) {
            const block = pending.slice(0, i);
            pending = pending.slice(i + 2);
            let event = 'message';
            let data = '';
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) st.comments++;
              else if (line.startsWith('event: ')) event = line.slice(7);
              else if (line.startsWith('data: ')) data += line.slice(6);
            }
            if (data) st.events.push({ event, data: JSON.parse(data) });
          }
        });
        st.done = new Promise((r) => {
          res.on('end', () => { st.ended = true; r(); });
          res.on('close', () => { st.ended = true; r(); });
        });
        st.close = () => req.destroy();
        resolve(st);
      });
    req.on('error', reject);
    req.end();
  });
}

const ticketEvents = (st, id) => st.events.filter((e) => e.event === 'ticket' && e.data.id === id);

async function metric(url, name) {
  const m = await request(url, 'GET', '/metrics', { headers: opsHeaders() });
  const line = m.text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : NaN;
}

test('a customer hears its own ticket change, never another customer\'s; integrators hear deliveries too', async () => {
  const acme = await openStream(s.url, s.keys.acme);
  const globex = await openStream(s.url, s.keys.globex);
  const integrator = await openStream(s.url, s.keys.integrator);
  try {
    for (const st of [acme, globex, integrator]) {
      assert.equal(st.status, 200);
      assert.equal(st.headers['content-type'], 'text/event-stream');
      assert.match(st.headers['content-security-policy'], /default-src 'none'/);
    }
    const id = await fileTicketId(s, 'vpn', 'live stream A');
    await eventually(() => ticketEvents(acme, id).length > 0, 15000, 'acme hears its ticket');
    const whats = new Set(ticketEvents(acme, id).map((e) => e.data.what));
    assert.ok(whats.has('ticket') || whats.has('timeline'), [...whats].join());
    assert.ok(!whats.has('legs'), 'legs are the integrator\'s');
    // the integrator hears the ticket, its legs and its delivery
    await eventually(() => integrator.events.some((e) => e.event === 'delivery'
      && e.data.ticket_id === id && e.data.state === 'done'), 15000, 'the delivery done');
    assert.ok(ticketEvents(integrator, id).some((e) => e.data.what === 'legs'));
    assert.ok(!acme.events.some((e) => e.event === 'delivery' || e.event === 'queue'));
    // globex hears its own ticket, filed after acme's: by then it would
    // have heard acme's, had it been sent to it
    const r = await s.api('POST', '/v1/tickets', { key: s.keys.globex,
      body: { ...ticketBody(s), service: s.services['globex-hosting'], summary: 'live stream B' } });
    assert.equal(r.status, 201, r.text);
    const gid = r.json.id;
    await eventually(() => ticketEvents(globex, gid).length > 0, 15000, 'globex hears its ticket');
    assert.deepEqual(ticketEvents(globex, id), []);
    assert.deepEqual(ticketEvents(acme, gid), []);
    assert.ok(globex.events.every((e) => e.event === 'ticket' && e.data.id === gid), JSON.stringify(globex.events));
    // heartbeats keep the streams open
    await eventually(() => acme.comments >= 3, 10000, 'heartbeat comments');
  } finally {
    for (const st of [acme, globex, integrator]) st.close();
  }
});

test('who may watch: no key 401, a supplier 403', async () => {
  const none = await s.api('GET', '/v1/stream');
  assert.equal(none.status, 401);
  assert.equal(none.json.error.code, 'unauthorized');
  const sup = await s.api('GET', '/v1/stream', { key: s.keys.netco });
  assert.equal(sup.status, 403);
  assert.equal(sup.json.error.code, 'forbidden');
});

test('streams have a cap of their own: beyond it 503 with Retry-After; counted in /metrics', async () => {
  const n = await startNode(s, 'capped', { KETEN_MAX_STREAMS: '2' });
  const open = [];
  try {
    open.push(await openStream(n.url, s.keys.acme), await openStream(n.url, s.keys.integrator));
    assert.deepEqual(open.map((x) => x.status), [200, 200]);
    assert.equal(await metric(n.url, 'keten_http_streams'), 2);
    const third = await openStream(n.url, s.keys.globex);
    assert.equal(third.status, 503);
    assert.ok(Number(third.headers['retry-after']) >= 1);
    await third.done;
    assert.equal(JSON.parse(third.text).error.code, 'too_many_streams');
    // other API calls are not capped by it
    assert.equal((await n.api('GET', '/v1/tickets', { key: s.keys.acme })).status, 200);
    // a watcher leaving frees its place
    open[0].close();
    await eventually(async () => (await metric(n.url, 'keten_http_streams')) === 1, 10000, 'one stream left');
    const again = await openStream(n.url, s.keys.globex);
    open.push(again);
    assert.equal(again.status, 200);
    const m = await request(n.url, 'GET', '/metrics', { headers: opsHeaders() });
    assert.match(m.text, /^keten_http_streams_ended_total\{reason="cap"\} 1$/m);
    assert.match(m.text, /^keten_http_streams_ended_total\{reason="client"\} 1$/m);
  } finally {
    for (const st of open) st.close();
    await n.stop();
  }
});

test('the stream of a revoked key ends within stream_recheck_ms; shutdown ends streams cleanly', async () => {
  const n = await startNode(s, 'recheck', { KETEN_STREAM_RECHECK_MS: '300' });
  try {
    const key = keten(['key', 'create', '--role', 'customer', '--customer', 'acme'], s.env).stdout.trim();
    const id = (await psql(s.db, `SELECT id FROM api_keys WHERE hash = sha256('${key}'::bytea)`)).trim();
    const st = await openStream(n.url, key);
    const other = await openStream(n.url, s.keys.acme);
    assert.equal(st.status, 200);
    const rv = await n.api('POST', `/v1/keys/${id}/revoke`, { key: s.keys.integrator });
    assert.equal(rv.status, 200, rv.text);
    const t0 = Date.now();
    await Promise.race([st.done, new Promise((r) => setTimeout(r, 15000))]);
    assert.ok(st.ended, 'the revoked key\'s stream ended');
    assert.ok(Date.now() - t0 < 15000);
    assert.equal(other.ended, false, 'another key\'s stream stays');
    const again = await openStream(n.url, key);
    assert.equal(again.status, 401);
    await n.stop();
    await Promise.race([other.done, new Promise((r) => setTimeout(r, 10000))]);
    assert.ok(other.ended, 'shutdown ended the other stream');
  } finally {
    if (n.proc.exitCode === null) await n.stop();
  }
});
