// bigbody.test.mjs - the key before a large body (issue 14, finding 2),
// over real TLS sockets: callers without a working key that announce a
// 1 MiB body and never finish it are answered before the body (401, the
// last byte is never sent) and the broker's memory stays bounded; an
// unknown key is refused after one lookup, before the body; a valid key's
// 1 MiB body is read and works, looked up or cached, kept alive and
// pipelined; a chunked body without a key is refused; an inbound push has
// its own, smaller bound. Lower bounds and generous ceilings only.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { startStack, eventually, sleep, certs, keten, request } from './lib/harness.mjs';
import { scrape, value } from './lib/metrics.mjs';
import { ticketBody } from './lib/tickets.mjs';

const MIB = 1 << 20;

function rssKb(pid) {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
  return Number(m[1]);
}

// A TLS connection that parses the answers coming back (status, headers,
// a Content-Length body) and counts the body bytes it wrote.
function connect(port) {
  const sock = tls.connect({ port, host: '127.0.0.1', ca: readFileSync(certs().ca),
    checkServerIdentity: () => undefined });
  const c = { sock, answers: [], sent: 0, closed: false, buf: Buffer.alloc(0) };
  c.ready = new Promise((res, rej) => { sock.once('secureConnect', res); sock.once('error', rej); });
  sock.on('error', () => {});
  sock.on('close', () => { c.closed = true; });
  sock.on('data', (d) => {
    c.buf = Buffer.concat([c.buf, d]);
    for (;;) {
      const end = c.buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = c.buf.subarray(0, end).toString('latin1').split('\r\n');
      const headers = {};
      for (const line of head.slice(1)) {
        const i = line.indexOf(':');
        headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      const len = Number(headers['content-length'] || 0);
      if (c.buf.length < end + 4 + len) return;
      const text = c.buf.subarray(end + 4, end + 4 + len).toString('utf8');
      c.buf = c.buf.subarray(end + 4 + len);
      let json = null;
      try { json = JSON.parse(text); } catch { json = null; }
      c.answers.push({ status: Number(head[0].split(' ')[1]), headers, json, text,
        at: Date.now(), sentThen: c.sent });
    }
  });
  return c;
}

function head(path, { key, cookie, length, chunked, type = 'application/json' }) {
  return `POST ${path} HTTP/1.1\r\nHost: keten\r\nContent-Type: ${type}\r\n` +
    (key ? `Authorization: Bearer ${key}\r\n` : '') + (cookie ? `Cookie: ${cookie}\r\n` : '') +
    (chunked ? 'Transfer-Encoding: chunked\r\n' : `Content-Length: ${length}\r\n`) + '\r\n';
}

// Writes n bytes of body as fast as the socket takes them (waiting for
// 'drain'), until the connection closes or, with stopAtAnswer, the first
// answer comes.
async function pour(c, n, stopAtAnswer = true) {
  const piece = Buffer.alloc(16384, 0x20);
  while (c.sent < n && !(stopAtAnswer && c.answers.length) && !c.closed) {
    const k = Math.min(piece.length, n - c.sent);
    c.sent += k;
    if (!c.sock.write(piece.subarray(0, k))) {
      await new Promise((r) => {
        const t = setInterval(() => {
          if (c.closed || (stopAtAnswer && c.answers.length)) { clearInterval(t); r(); }
        }, 50);
        c.sock.once('drain', () => { clearInterval(t); r(); });
      });
    }
  }
}

const answered = (c, n = 1, ms = 15000) =>
  eventually(async () => c.answers.length >= n && c.answers, ms, `${n} answer(s)`);

// A well-formed key that no broker issued.
const UNKNOWN = 'kt_' + 'A'.repeat(43);

describe('a large body needs a working key first', () => {
  let s;
  before(async () => { s = await startStack(); });
  after(async () => { await s.stop(); });

  test('a 1 MiB body without a key, or with an unknown one, is refused before it arrives', async () => {
    for (const key of [undefined, UNKNOWN, 'not a key']) {
      const c = connect(s.port);
      await c.ready;
      const t0 = Date.now();
      c.sock.write(head('/v1/tickets', { key, length: MIB }));
      // The last byte never comes: any answer is an answer before the body.
      const pouring = pour(c, MIB - 1);
      const [a] = await answered(c);
      await pouring;
      assert.equal(a.status, 401, a.text);
      assert.equal(a.json.error.code, 'unauthorized');
      assert.match(a.json.error.message, /larger than 65536 bytes needs a valid API key/);
      assert.equal(a.headers.connection, 'close');
      assert.ok(a.at - t0 < 10000, `answered after ${a.at - t0} ms`);
      await eventually(async () => c.closed, 10000, 'the refused connection to close');
    }
    const m = await scrape(s);
    assert.ok(value(m, 'keten_http_refused_before_body_total', { reason: 'unauthorized' }) >= 3);
  });

  test('a chunked body without a key is refused before it arrives', async () => {
    const c = connect(s.port);
    await c.ready;
    c.sock.write(head('/v1/tickets', { chunked: true }) + '4000\r\n');
    const pouring = pour(c, 16384 * 40);
    const [a] = await answered(c);
    await pouring;
    assert.equal(a.status, 401, a.text);
    c.sock.destroy();
  });

  test('a body up to pre_auth_body_bytes is read as before and answered by the key check', async () => {
    const r = await s.api('POST', '/v1/tickets', { key: UNKNOWN, raw: '{' + ' '.repeat(60000) + '}' });
    assert.equal(r.status, 401);
    assert.doesNotMatch(r.json.error.message, /needs a valid API key:/);
  });

  test('a valid key\'s 1 MiB body is read, looked up or cached, kept alive and pipelined', async () => {
    const pad = (summary) => {
      const body = JSON.stringify(ticketBody(s, { summary, description: 'padded', urgency: 3 }));
      return body + ' '.repeat(MIB - Buffer.byteLength(body));
    };
    const padded = pad('large body');
    // The customer's key was never used: the gate looks it up.
    const first = await s.api('POST', '/v1/tickets', { key: s.keys.acme, raw: padded });
    assert.equal(first.status, 201, first.text);
    const again = await s.api('POST', '/v1/tickets', { key: s.keys.acme, raw: padded });
    assert.equal(again.status, 201, again.text);
    // Kept alive: a large body, then a GET, on one connection.
    const c = connect(s.port);
    await c.ready;
    c.sock.write(head('/v1/tickets', { key: s.keys.acme, length: MIB }));
    c.sock.write(pad('large body, kept alive'));
    c.sock.write(`GET /v1/tickets?limit=1 HTTP/1.1\r\nHost: keten\r\nAuthorization: Bearer ${s.keys.acme}\r\n\r\n`);
    const [created, listed] = await answered(c, 2, 30000);
    assert.equal(created.status, 201, created.text);
    assert.equal(listed.status, 200, listed.text);
    // Pipelined in one write: a GET, a large body with an unknown key, and a
    // request behind it that is never read.
    c.sock.write('GET /healthz HTTP/1.1\r\nHost: keten\r\n\r\n' +
      head('/v1/tickets', { key: UNKNOWN, length: MIB }) + ' '.repeat(3000) +
      'GET /healthz HTTP/1.1\r\nHost: keten\r\n\r\n');
    const all = await answered(c, 4);
    assert.equal(all[2].status, 200);
    assert.equal(all[3].status, 401, all[3].text);
    await eventually(async () => c.closed, 10000, 'the connection closed after the refusal');
    assert.equal(c.answers.length, 4, 'nothing answered after the refusal');
  });

  test('a person\'s session cookie opens the gate as a key does; a stale one is refused before the body', async () => {
    const email = `big-${Date.now()}@acme.example`;
    const made = keten(['user', 'create', '--email', email, '--name', 'Big Body', '--role', 'customer',
      '--customer', 'acme', '--password-stdin'], s.env, 'correct horse battery staple\n');
    assert.equal(made.code, 0, made.stderr);
    const si = await request(s.url, 'POST', '/v1/session', { body: { email, password: 'correct horse battery staple' } });
    assert.equal(si.status, 200, si.text);
    const cookie = /^keten_session=[^;]*/.exec(si.headers['set-cookie'][0])[0];
    const body = JSON.stringify(ticketBody(s, { summary: 'by a person', description: 'padded', urgency: 3 }));
    const r = await request(s.url, 'POST', '/v1/tickets', { raw: body + ' '.repeat(MIB - Buffer.byteLength(body)),
      headers: { cookie, 'x-csrf-token': si.json.csrf_token } });
    assert.equal(r.status, 201, r.text);
    const c = connect(s.port);
    await c.ready;
    c.sock.write(head('/v1/tickets', { cookie: 'keten_session=' + 'B'.repeat(43), length: MIB }));
    const pouring = pour(c, MIB - 1);
    const [a] = await answered(c);
    await pouring;
    assert.equal(a.status, 401, a.text);
  });

  test('an inbound push has its own bound, refused before its body', async () => {
    const c = connect(s.port);
    await c.ready;
    c.sock.write(head('/v1/inbound/netco', { length: 300000 }));
    const pouring = pour(c, 300000 - 1);
    const [a] = await answered(c);
    await pouring;
    assert.equal(a.status, 413, a.text);
    assert.equal(a.json.error.code, 'body_too_large');
    assert.match(a.json.error.message, /at most 262144 bytes/);
    // Below it (and above pre_auth_body_bytes) the push is read and its
    // signature checked as before.
    const r = await s.api('POST', '/v1/inbound/netco', { raw: '{' + ' '.repeat(200000) + '}' });
    assert.equal(r.status, 401, r.text);
    assert.notEqual(r.json.error.code, 'body_too_large');
  });

  test('a body above max_body_bytes is refused before it arrives, whatever the key', async () => {
    const c = connect(s.port);
    await c.ready;
    c.sock.write(head('/v1/tickets', { key: s.keys.acme, length: 2 * MIB }));
    const pouring = pour(c, 2 * MIB - 1);
    const [a] = await answered(c);
    await pouring;
    assert.equal(a.status, 413, a.text);
    assert.equal(a.json.error.code, 'body_too_large');
  });
});

describe('many callers without a key pouring 1 MiB bodies', () => {
  const N = 150;
  let s;
  before(async () => { s = await startStack(); });
  after(async () => { await s.stop(); });

  test(`${N} of them: each answered 401 before its body, the broker's memory bounded`, async () => {
    const base = rssKb(s.proc.pid);
    let peak = base;
    const sampler = setInterval(() => { peak = Math.max(peak, rssKb(s.proc.pid)); }, 50);
    const conns = [];
    for (let i = 0; i < N; i++) conns.push(connect(s.port));
    await Promise.all(conns.map((c) => c.ready));
    const t0 = Date.now();
    for (const [i, c] of conns.entries()) c.sock.write(head('/v1/tickets', { key: i % 2 ? UNKNOWN : undefined, length: MIB }));
    // They go on pouring after the answer, until the broker closes.
    const pouring = Promise.all(conns.map((c) => pour(c, MIB - 1, false)));
    await eventually(async () => conns.every((c) => c.answers.length === 1), 60000, 'every caller answered');
    await Promise.race([pouring, sleep(20000)]);
    const slowest = Math.max(...conns.map((c) => c.answers[0].at - t0));
    const healthz = Date.now();
    assert.equal((await s.api('GET', '/healthz')).status, 200);
    const healthzMs = Date.now() - healthz;
    await sleep(500);
    clearInterval(sampler);
    const poured = conns.reduce((n, c) => n + c.sent, 0);
    console.log(`# ${N} callers poured ${(poured / MIB).toFixed(0)} MiB; ` +
      `RSS ${base} kB -> peak ${peak} kB; slowest answer ${slowest} ms; /healthz ${healthzMs} ms`);
    for (const c of conns) {
      assert.equal(c.answers[0].status, 401, c.answers[0].text);
      c.sock.destroy();
    }
    // Before the gate every body was read: some N MiB. A sanitizer build
    // (make SANITIZE=...) keeps freed memory in quarantine.
    const bound = (process.env.KETEN_BIN || '').includes('/build/san/') ? 120 : 40;
    assert.ok(peak - base < bound * 1024, `RSS grew ${peak - base} kB`);
    assert.ok(slowest < 30000, `the slowest answer took ${slowest} ms`);
  });
});
