// web.test.mjs - `keten serve` serving the portal's pages (issue 15): the
// files of web_root at every path outside the API, GET and HEAD only, a
// folder's index, ETag revalidation, the 404 page, paths that try to leave
// the folder (sent raw, as a client that does not normalise them would),
// SIGHUP reloading the pages, the security headers on every answer (the
// API's too), and the vendored npm files equal to the pinned packages'.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import path from 'node:path';
import { readFileSync, writeFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { startStack, startNode, request, eventually, certs } from './lib/harness.mjs';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
  + "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

let s;
before(async () => { s = await startStack(); });
after(async () => { await s?.stop(); });

function secure(h) {
  assert.equal(h['content-security-policy'], CSP);
  assert.equal(h['x-content-type-options'], 'nosniff');
  assert.equal(h['referrer-policy'], 'no-referrer');
  assert.match(h['strict-transport-security'], /^max-age=\d+/);
}

// One request with the path exactly as given (no URL normalisation).
function raw(port, method, p) {
  return new Promise((resolve, reject) => {
    const sock = tls.connect({ host: '127.0.0.1', port, ca: readFileSync(certs().ca),
      servername: 'localhost' }, () => {
      sock.write(`${method} ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    });
    let text = '';
    sock.setEncoding('latin1');
    sock.on('data', (d) => { text += d; });
    sock.on('end', () => resolve({ status: Number(text.split(' ')[1]), text }));
    sock.on('error', reject);
  });
}

test('the start page, scripts, styles and texts with their types, caching and headers', async () => {
  const r = await request(s.url, 'GET', '/');
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(r.headers['cache-control'], 'no-cache');
  assert.equal(r.text, readFileSync(path.join(ROOT, 'web/index.html'), 'utf8'));
  assert.match(r.headers.etag, /^"[0-9a-f]{32}"$/);
  secure(r.headers);
  for (const [p, type] of [['/js/api.js', 'text/javascript; charset=utf-8'],
    ['/css/site.css', 'text/css; charset=utf-8'], ['/i18n/en/common.json', 'application/json'],
    ['/favicon.ico', 'image/x-icon'], ['/index.html', 'text/html; charset=utf-8']]) {
    const f = await request(s.url, 'GET', p);
    assert.equal(f.status, 200, p);
    assert.equal(f.headers['content-type'], type, p);
    secure(f.headers);
  }
  // revalidation: the same ETag answers 304 with no body
  const again = await request(s.url, 'GET', '/', { headers: { 'if-none-match': r.headers.etag } });
  assert.equal(again.status, 304);
  assert.equal(again.text, '');
  assert.equal(again.headers.etag, r.headers.etag);
  const other = await request(s.url, 'GET', '/', { headers: { 'if-none-match': '"0000"' } });
  assert.equal(other.status, 200);
});

test('HEAD answers the headers and length without the body', async () => {
  const get = await request(s.url, 'GET', '/js/dom.js');
  const head = await request(s.url, 'HEAD', '/js/dom.js');
  assert.equal(head.status, 200);
  assert.equal(head.text, '');
  assert.equal(Number(head.headers['content-length']), Buffer.byteLength(get.text));
  assert.equal(head.headers.etag, get.headers.etag);
  secure(head.headers);
});

test('an unknown page is the 404 page; other methods 405', async () => {
  const r = await request(s.url, 'GET', '/no/such/page.html');
  assert.equal(r.status, 404);
  assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(r.text, readFileSync(path.join(ROOT, 'web/404.html'), 'utf8'));
  secure(r.headers);
  for (const m of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
    const x = await request(s.url, m, '/index.html');
    assert.equal(x.status, 405, m);
    assert.equal(x.headers.allow, 'GET, HEAD');
    secure(x.headers);
  }
  // API paths keep their JSON answers
  const api = await request(s.url, 'GET', '/v1/nothing-here');
  assert.equal(api.status, 404);
  assert.equal(api.json.error.code, 'not_found');
  const openapi = await request(s.url, 'GET', '/openapi.yaml');
  assert.equal(openapi.status, 404);
  assert.equal(openapi.json.error.code, 'not_found');
});

test('paths that try to leave the web root are refused', async () => {
  for (const p of ['/../etc/passwd', '/js/../../etc/passwd', '/%2e%2e/etc/passwd',
    '/js/%2E%2E/%2e%2e/etc/passwd', '/js%2f..%2f..%2fetc%2fpasswd', '/..%5c..%5cetc/passwd',
    '/index.html%00.js', '//etc/passwd', '/./index.html', '/js/..', '/%', '/a%0d%0aX-Evil:%201']) {
    const r = await raw(s.port, 'GET', p);
    assert.ok(r.status === 400 || r.status === 404, `${p}: ${r.status}`);
    assert.doesNotMatch(r.text, /root:|X-Evil/i, p);
    assert.match(r.text, /content-security-policy: default-src 'none'/i, p);
  }
  // the broker is still serving
  assert.equal((await request(s.url, 'GET', '/')).status, 200);
});

test('API answers carry the same security headers', async () => {
  for (const [p, key] of [['/v1/tickets', s.keys.acme], ['/healthz'], ['/v1/openapi.json'],
    ['/v1/tickets'], ['/v1/customers', s.keys.acme]]) {
    const r = await request(s.url, 'GET', p, { key });
    secure(r.headers);
  }
  const m = await s.api('GET', '/metrics');
  secure(m.headers);
});

test('a folder redirects to its index; SIGHUP loads changed pages', async () => {
  const dir = mkdtempSync(path.join(s.dir, 'web-'));
  mkdirSync(path.join(dir, 'app'));
  writeFileSync(path.join(dir, 'app', 'index.html'), '<p>one</p>');
  const n = await startNode(s, 'pages', { KETEN_WEB_ROOT: dir });
  try {
    const r = await request(n.url, 'GET', '/app');
    assert.equal(r.status, 301);
    assert.equal(r.headers.location, '/app/');
    assert.equal((await request(n.url, 'GET', '/app/')).text, '<p>one</p>');
    // no 404.html in this root: the built-in page
    const missing = await request(n.url, 'GET', '/');
    assert.equal(missing.status, 404);
    assert.match(missing.text, /Not found/);
    writeFileSync(path.join(dir, 'app', 'index.html'), '<p>two</p>');
    writeFileSync(path.join(dir, 'index.html'), '<p>home</p>');
    n.proc.kill('SIGHUP');
    await eventually(async () => (await request(n.url, 'GET', '/app/')).text === '<p>two</p>',
      10000, 'the changed page');
    assert.equal((await request(n.url, 'GET', '/')).text, '<p>home</p>');
  } finally {
    await n.stop();
  }
});

test('a web root that cannot be read stops the start with a clear error', async () => {
  await assert.rejects(startNode(s, 'noweb', { KETEN_WEB_ROOT: path.join(s.dir, 'missing') }),
    /exited early/);
});

test('the vendored npm files equal the pinned packages\' files', () => {
  const makefile = readFileSync(path.join(ROOT, 'Makefile'), 'utf8');
  const files = makefile.match(/^WEB_VENDOR := (.*)$/m)[1].trim().split(/\s+/);
  assert.ok(files.length > 0);
  const lock = JSON.parse(readFileSync(path.join(ROOT, 'tests/package-lock.json'), 'utf8'));
  for (const f of files) {
    const pkg = f.split('/')[0];
    const pinned = lock.packages[`node_modules/${pkg}`].version;
    const installed = JSON.parse(readFileSync(path.join(ROOT, 'tests/node_modules', pkg, 'package.json'), 'utf8')).version;
    assert.equal(installed, pinned, `${pkg} in tests/node_modules is the pinned version`);
    assert.ok(readFileSync(path.join(ROOT, 'web/vendor', f)).equals(
      readFileSync(path.join(ROOT, 'tests/node_modules', f))), `web/vendor/${f}: run make web-vendor`);
  }
});
