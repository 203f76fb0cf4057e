// lib.mjs - what the RT suite's tests share: the RT that tests/rt/setup.sh
// started (its env file), the `rt` adapter through tests/rt/rt-driver
// (the requests it builds, its reading of RT's answers), sending a request
// to RT over TLS as Keten would (auth token) or as an RT agent (basic), the
// mapping and leg views of the tests, and a TLS proxy in front of RT that
// can hold the answer to a write RT took.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import https from 'node:https';
import assert from 'node:assert/strict';
import { certs, chainDoc, eventually } from '../system/lib/harness.mjs';
import { ticketBody } from '../system/lib/tickets.mjs';

export const env = Object.fromEntries(
  readFileSync(process.env.RT_ENV, 'utf8').split('\n').filter((l) => l.includes('='))
    .map((l) => {
      const i = l.indexOf('=');
      return [l.slice(0, i), l.slice(i + 1).replace(/^'(.*)'$/, '$1')];
    }));

export const TYPES = ['incident', 'request', 'change', 'problem'];

export const mapping = {
  queues: Object.fromEntries(TYPES.map((t) => [t, env[`RT_QUEUE_${t.toUpperCase()}`]])),
  reference_field: env.RT_FIELD,
  integration_user: env.RT_USER,
  requestor: 'servicedesk@integrator.test',
};

export function supplier(extra = {}) {
  return { key: 'rt', endpoint: env.RT_URL, mapping: { ...mapping, ...extra } };
}

export function legView(type, over = {}) {
  return {
    id: randomUUID(), number: 'INC-000042', type,
    summary: `VPN down in Utrecht — café "De Zwaan" (${type})`,
    description: 'Users cannot connect since 19:30.\nTunnel drops <after> 5 s & retries.',
    impact: 2, urgency: 1, priority: 2,
    leg: { id: randomUUID(), status: 'new', external_id: null },
    ...over,
  };
}

// The adapter: `cmd` of tests/rt/rt-driver.c with input; its JSON output.
export function adapter(cmd, input) {
  const r = spawnSync(process.env.RT_DRIVER, [cmd], { input: JSON.stringify(input) });
  if (r.status !== 0 && r.status !== 1) throw new Error(`rt-driver ${cmd}: ${r.stderr}`);
  return JSON.parse(r.stdout.toString());
}

// Sends req ({method, url, headers, body}) to RT; as Keten (the token the
// broker's auth module adds), or as `as` {user, password}.
export function send(req, as) {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers };
    headers.authorization = as
      ? `Basic ${Buffer.from(`${as.user}:${as.password}`).toString('base64')}`
      : `token ${env.RT_TOKEN}`;
    if (req.body != null) headers['content-length'] = Buffer.byteLength(req.body);
    const r = https.request(req.url, { method: req.method, headers, ca: readFileSync(env.RT_CA),
      agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body,
        json: (() => { try { return JSON.parse(body); } catch { return null; } })() }));
    });
    r.on('error', reject);
    r.setTimeout(30000, () => r.destroy(new Error('RT did not answer in 30 s')));
    if (req.body != null) r.write(req.body);
    r.end();
  });
}

export const agent = { user: env.RT_AGENT, password: env.RT_PASSWORD };

// RT's own REST2, for checking what landed: GET path (with query) as Keten.
export async function rt(path, as) {
  const res = await send({ method: 'GET', url: `${env.RT_URL}/REST/2.0${path}`, headers: {} }, as);
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${res.body}`);
  return res.json;
}

// The types of the transactions of RT ticket id whose text holds text.
export async function rtMessages(id, text) {
  const q = encodeURIComponent(JSON.stringify([{ field: 'Content', operator: 'LIKE', value: text }]));
  const out = [];
  for (const a of (await rt(`/attachments?query=${q}&fields=TransactionId`)).items) {
    const t = await rt(`/transaction/${a.TransactionId}`);
    if (t.Object?.id === String(id)) out.push(t.Type);
  }
  return out;
}

// A change made in RT as the agent would: PUT or POST json to path.
export async function agentDoes(method, path, json) {
  const res = await send({ method, url: `${env.RT_URL}/REST/2.0${path}`,
    headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) }, agent);
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.body}`);
  return res.json;
}

// One outbox message through the adapter and RT: build, send, read the
// answer. Returns {req, res, reply}.
export async function deliver(msg) {
  const req = adapter('build', msg);
  if (req.error) return { req, reply: req };
  const res = await send(req);
  const reply = adapter('reply', { ...msg, answer: { status: res.status, body: res.body } });
  return { req, res, reply };
}

// RT's time format for TicketSQL, from a Date.
export function rtTime(d) {
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

// The system tests' chain with supplier netco replaced by this RT, reached
// with its token and polled, taking incidents only; mappingExtra adds
// members to its mapping (e.g. page_size).
export function polledRtChain(mappingExtra = {}) {
  return (sims) => {
    const doc = chainDoc(sims);
    doc.suppliers[0] = { key: 'netco', name: 'NetCo RT', adapter: 'rt', endpoint: env.RT_URL,
      secret_ref: 'env:KETEN_SECRET_NETCO',
      auth: { kind: 'bearer', scheme: 'token', secret_ref: 'env:KETEN_SECRET_RT_TOKEN' },
      poll: { interval_ms: 500, overlap_ms: 5000 },
      mapping: { ...mapping, queues: { incident: mapping.queues.incident }, ...mappingExtra } };
    return doc;
  };
}

// Files an acme incident on netco's component vpn through stack s and
// waits until its create reached RT: {id, leg} (the integrator's leg).
export async function fileToRt(s, summary) {
  const r = await s.api('POST', '/v1/tickets', { key: s.keys.acme,
    body: ticketBody(s, { component: 'vpn', summary }) });
  assert.equal(r.status, 201, r.text);
  const leg = await eventually(async () => {
    const v = (await s.api('GET', `/v1/tickets/${r.json.id}`, { key: s.keys.integrator })).json;
    return v.legs[0]?.external_id ? v.legs[0] : null;
  }, 20000, 'the create delivered to RT');
  return { id: r.json.id, leg };
}

// An HTTPS proxy on loopback between Keten and RT's stunnel: every
// request goes on to RT and RT's answer back, except that the simulators'
// control calls it answers itself (tests/system/lib/kill.mjs drives it as
// it drives them): GET /_sim/received lists the requests that passed
// ({method, path, applied: RT's status}), and POST /_sim/mode {"mode":
// "hang", "apply": true, "count": 1, "method"} makes the next request of
// method reach RT (the write lands) while its answer is held for ever.
export async function startRtProxy() {
  const received = [];
  let hold = null;
  const upstream = new URL(env.RT_URL);
  const ca = readFileSync(env.RT_CA);
  const forward = (req, body) => new Promise((resolve, reject) => {
    const headers = { ...req.headers, host: upstream.host };
    const up = https.request({ hostname: upstream.hostname, port: upstream.port, path: req.url,
      method: req.method, headers, ca, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    up.on('error', reject);
    up.end(body);
  });
  const server = https.createServer({ cert: readFileSync(certs().cert), key: readFileSync(certs().key) },
    async (req, res) => {
      const chunks = [];
      for await (const c of req) chunks.push(c);
      const rec = { at: Date.now(), method: req.method, path: req.url, applied: null, answered: null };
      received.push(rec);
      let up;
      try {
        up = await forward(req, Buffer.concat(chunks));
      } catch (e) {
        rec.answered = 502;
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(e.message);
        return;
      }
      if (hold && req.method === hold.method) {
        hold = null;
        rec.applied = up.status;
        return; // the write landed in RT; its answer never comes
      }
      const headers = { ...up.headers, 'content-length': up.body.length };
      delete headers['transfer-encoding'];
      delete headers.connection;
      rec.answered = up.status;
      res.writeHead(up.status, headers);
      res.end(up.body);
    });
  const sockets = new Set();
  server.on('connection', (c) => { sockets.add(c); c.on('close', () => sockets.delete(c)); });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `https://127.0.0.1:${server.address().port}`,
    async control(method, p, body) {
      if (method === 'GET' && p === '/_sim/received') return received.map((x) => ({ ...x }));
      assert.ok(method === 'POST' && p === '/_sim/mode' && body.mode === 'hang' && body.apply &&
        body.count === 1 && body.method, `the RT proxy cannot do ${method} ${p} ${JSON.stringify(body)}`);
      hold = { method: body.method };
      return { mode: 'hang' };
    },
    close() {
      for (const c of sockets) c.destroy();
      return new Promise((r) => server.close(r));
    },
  };
}
