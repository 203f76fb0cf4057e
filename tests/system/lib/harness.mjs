// harness.mjs - starts what a system test needs, all real: a database of
// its own in the run's PostgreSQL, migrated by `keten migrate`; one supplier
// simulator per supplier; the chain imported with `keten chain import`; API
// keys from `keten key create`; and `keten serve` on a free loopback port.
// Stopping checks that keten exited cleanly (no sanitizer report). The
// test's own SQL goes through one long-lived client per database.
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync, mkdtempSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import https from 'node:https';
import path from 'node:path';
import assert from 'node:assert/strict';
import pg from 'pg';

const BIN = process.env.KETEN_BIN;
let PGHOST = process.env.KETEN_TEST_PGHOST;
const WORK = process.env.KETEN_TEST_WORK;
const CERTS = process.env.KETEN_TEST_CERTS;
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Every child started here, so that a failed start or an early exit of
// the test process never leaves a simulator or a broker behind.
const children = new Set();
function track(proc) {
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
  return proc;
}
process.once('exit', () => { for (const p of children) p.kill('SIGKILL'); });

// Points this test file (its own process) at another PostgreSQL cluster,
// such as one it starts itself in order to crash it.
export function usePostgres(host) {
  PGHOST = host;
}

export function certs() {
  return {
    ca: path.join(CERTS, 'ca.pem'),
    cert: path.join(CERTS, 'server.pem'),
    key: path.join(CERTS, 'server.key'),
  };
}

// One pool of a single client per cluster and database, opened on first
// use and closed by closeDatabase (a stack's stop). Values stay the text
// PostgreSQL sends, as psql prints them ('t', '42', '{"a": 1}').
const pools = new Map();
function pool(db) {
  const id = `${PGHOST}\0${db}`;
  let p = pools.get(id);
  if (!p) {
    p = new pg.Pool({ host: PGHOST, user: 'postgres', database: db, max: 1,
      allowExitOnIdle: true, types: { getTypeParser: () => (text) => text } });
    // A session PostgreSQL dropped (a restart, a terminated backend) leaves
    // the pool; the next query opens another.
    p.on('error', () => {});
    pools.set(id, p);
  }
  return p;
}

// Runs sql (one statement or several) on db and resolves to what
// `psql -XAt` prints: rows on lines, columns joined by '|', NULL as '',
// trimmed. Rejects with PostgreSQL's error.
export async function psql(db, sql) {
  const res = await pool(db).query({ text: sql, rowMode: 'array' });
  const rows = (Array.isArray(res) ? res : [res]).flatMap((r) => r.rows || []);
  return rows.map((row) => row.map((v) => (v === null ? '' : v)).join('|')).join('\n').trim();
}

// Closes the test's client of db on the current cluster, if it has one.
export async function closeDatabase(db) {
  const id = `${PGHOST}\0${db}`;
  const p = pools.get(id);
  if (p) {
    pools.delete(id);
    await p.end();
  }
}

// A psql session that keeps a transaction (and the locks sql takes) open
// until released: holds a request inside PostgreSQL. locked() turns true
// once sql has run.
export function lockSession(db, sql) {
  const p = track(spawn('psql', ['-h', PGHOST, '-U', 'postgres', '-d', db,
    '-XAtq', '-v', 'ON_ERROR_STOP=1'], { stdio: ['pipe', 'pipe', 'pipe'] }));
  let out = '';
  p.stdout.on('data', (d) => { out += d; });
  p.stdin.write(`BEGIN;\n${sql};\nSELECT 'locked';\n`);
  return {
    locked: () => out.includes('locked'),
    // Commits and ends the session; again once it ended, does nothing.
    release: () => new Promise((r) => {
      if (p.exitCode !== null || p.signalCode) return r();
      p.once('exit', r);
      if (!p.stdin.writableEnded) p.stdin.end('COMMIT;\n');
    }),
  };
}

export async function newDatabase() {
  const name = 'kt_' + randomBytes(6).toString('hex');
  await psql('postgres', `CREATE DATABASE ${name}`);
  return name;
}

export function dbUrl(db) {
  return `host=${PGHOST} user=postgres dbname=${db}`;
}

// Runs a keten subcommand; returns {code, stdout, stderr}.
export function keten(args, env = {}, input) {
  try {
    const stdout = execFileSync(BIN, args, {
      env: { ...process.env, ...env }, encoding: 'utf8', input,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    return { code: 0, stdout, stderr: '' };
  } catch (e) {
    return { code: e.status, stdout: e.stdout || '', stderr: e.stderr || '' };
  }
}

async function waitFile(file, proc, what, ms = 20000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (existsSync(file)) {
      const v = readFileSync(file, 'utf8').trim();
      if (v) return v;
    }
    if (proc.exitCode !== null) throw new Error(`${what} exited early (${proc.exitCode})`);
    await sleep(25);
  }
  throw new Error(`${what} did not write ${file} in ${ms} ms`);
}

function collect(proc) {
  const out = { text: '' };
  proc.stdout.on('data', (d) => { out.text += d; });
  proc.stderr.on('data', (d) => { out.text += d; });
  return out;
}

export function secret() {
  return 'whsec_' + randomBytes(24).toString('base64');
}

// One simulator. opts: {key, secret, advanceMs, idempotency, searchLagMs,
// brokerUrl, args (more flags, such as ['--reject-component', 'vpn'])}.
export async function startSim(dir, opts) {
  const portFile = path.join(dir, `${opts.key}.port`);
  const args = [path.join(ROOT, 'tests/sim/supplier-sim.mjs'), '--key', opts.key,
    '--cert', opts.cert || certs().cert, '--tls-key', opts.tlsKey || certs().key,
    '--listen', '127.0.0.1:0', '--port-file', portFile,
    '--idempotency', opts.idempotency || 'honour',
    '--search-lag-ms', String(opts.searchLagMs || 0)];
  if (opts.brokerUrl) {
    args.push('--broker-url', opts.brokerUrl, '--broker-ca', certs().ca,
      '--advance-ms', String(opts.advanceMs || 0));
  }
  if (opts.args) args.push(...opts.args);
  const proc = track(spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SIM_SECRET: opts.secret } }));
  const log = collect(proc);
  const port = Number(await waitFile(portFile, proc, `simulator ${opts.key}`));
  const sim = {
    key: opts.key, port, proc, log, secret: opts.secret,
    url: `https://127.0.0.1:${port}`,
    // The test's own control calls; a simulator deliberately given a
    // certificate the broker must reject is still reachable by the test.
    async control(method, p, body) {
      const r = await request(`https://127.0.0.1:${port}`, method, p,
        { body, untrusted: Boolean(opts.cert) });
      return r.json;
    },
    received() { return this.control('GET', '/_sim/received'); },
    tickets() { return this.control('GET', '/_sim/tickets'); },
    send(body) { return this.control('POST', '/_sim/send', body); },
    mode(body) { return this.control('POST', '/_sim/mode', body); },
    echo(setting) { return this.control('POST', '/_sim/echo', { echo: setting }); },
    async stop() {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        await new Promise((r) => proc.once('exit', r));
      }
    },
  };
  return sim;
}

// HTTPS request trusting only the test CA. Returns {status, headers, json, text}.
export function request(base, method, p, { key, body, headers = {}, raw, untrusted } = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(p, base);
    const h = { ...headers };
    let payload;
    if (raw !== undefined) payload = raw;
    else if (body !== undefined) payload = JSON.stringify(body);
    if (payload !== undefined && !('content-type' in h)) h['content-type'] = 'application/json';
    if (payload !== undefined) h['content-length'] = Buffer.byteLength(payload);
    if (key) h.authorization = `Bearer ${key}`;
    const tls = untrusted ? { rejectUnauthorized: false } : { ca: readFileSync(certs().ca) };
    const req = https.request(u, { method, headers: h, ...tls, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => {
        let json = null;
        try { json = text ? JSON.parse(text) : null; } catch { json = null; }
        resolve({ status: res.statusCode, headers: res.headers, json, text });
      });
      // A server killed after its headers went out ends the response
      // without 'end' and without an error on the request: without this
      // the promise would never settle (the kill -9 suite's load hung so).
      res.on('error', reject);
      res.on('close', () => { if (!res.complete) reject(new Error('response cut short')); });
    });
    req.on('error', reject);
    req.setTimeout(30000, () => req.destroy(new Error('request timed out')));
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

// ---- outbound policy (issue 14): loopback suppliers need an explicit allow
// The broker refuses to call loopback, private and link-local addresses
// unless the supplier's chain entry allows them (delivery.allow_addresses),
// and reads secrets only from KETEN_SECRET_* variables. Every supplier of
// the tests' chains listens on 127.0.0.1, so every chain a test writes goes
// through writeChain (or allowLoopback), which adds the allow to each
// supplier on a loopback address that does not say otherwise.
const LOOPBACK_URL = /^https:\/\/(127\.[0-9.]+|localhost|\[::1\])(:[0-9]+)?([/?#]|$)/;
export function allowLoopback(doc) {
  for (const s of doc?.suppliers || []) {
    if (typeof s.endpoint !== 'string' || !LOOPBACK_URL.test(s.endpoint)) continue;
    if (s.delivery?.allow_addresses !== undefined) continue;
    s.delivery = { ...(s.delivery || {}), allow_addresses: ['loopback'] };
  }
  // The same for an SLA's notification webhook on loopback.
  for (const v of doc?.services || []) {
    const n = v.sla?.notify;
    if (typeof n?.endpoint === 'string' && LOOPBACK_URL.test(n.endpoint) && n.allow_addresses === undefined) {
      n.allow_addresses = ['loopback'];
    }
  }
  return doc;
}

// Writes chain document doc (an object) to file, with allowLoopback.
export function writeChain(file, doc, space = 2) {
  writeFileSync(file, JSON.stringify(allowLoopback(doc), null, space));
}

// /metrics and /readyz answer only the ops token (the setting
// ops_token_ref). Every broker the harness starts gets opsEnv(), and the
// api() of a stack or a node sends opsHeaders() to those two paths when
// the call names no key and no Authorization of its own.
export const OPS_TOKEN = 'ops_' + randomBytes(24).toString('hex');
export const opsEnv = () => ({ KETEN_OPS_TOKEN_REF: 'env:KETEN_SECRET_OPS_TOKEN',
  KETEN_SECRET_OPS_TOKEN: OPS_TOKEN });
export const opsHeaders = () => ({ authorization: `Bearer ${OPS_TOKEN}` });
const OPS_PATHS = new Set(['/metrics', '/readyz']);
function withOps(p, options) {
  const h = options.headers || {};
  if (!OPS_PATHS.has(new URL(p, 'https://x').pathname) || options.key ||
      Object.keys(h).some((k) => k.toLowerCase() === 'authorization')) return options;
  return { ...options, headers: { ...h, ...opsHeaders() } };
}

// The chain document of the tests: customers acme and globex; suppliers
// netco and hostco; acme-workplace fans out to both under "workplace".
export function chainDoc(sims) {
  const sup = (key, name) => ({ key, name, adapter: 'webhook',
    endpoint: `${sims[key].url}/hooks`, secret_ref: `env:KETEN_SECRET_${key.toUpperCase()}` });
  return {
    customers: [{ key: 'acme', name: 'Acme BV' }, { key: 'globex', name: 'Globex NV' }],
    suppliers: [sup('netco', 'NetCo'), sup('hostco', 'HostCo')],
    services: [
      { key: 'acme-workplace', customer: 'acme', name: 'Workplace Acme',
        default_component: 'workplace',
        components: [{ key: 'workplace', name: 'Workplace', kind: 'application', children: [
          { key: 'vpn', name: 'VPN', kind: 'network', supplier: 'netco' },
          { key: 'hosting', name: 'Hosting', kind: 'hardware', supplier: 'hostco' }] }] },
      { key: 'globex-hosting', customer: 'globex', name: 'Hosting Globex',
        default_component: 'servers',
        components: [{ key: 'servers', name: 'Servers', kind: 'hardware', supplier: 'hostco' }] },
    ],
  };
}

// Everything up: returns the broker handle. opts.config adds KETEN_* env.
// Callers' rate limits (http/throttle.c) are off unless a test sets them:
// every simulator pushes from 127.0.0.1 and suites send in bursts.
export const NO_RATE_LIMITS = {
  KETEN_RATE_INTEGRATOR_PER_S: '0', KETEN_RATE_CUSTOMER_PER_S: '0',
  KETEN_RATE_SUPPLIER_PER_S: '0', KETEN_RATE_ADDRESS_PER_S: '0',
};

// The portal's pages (issue 15): every broker of the tests serves web/.
export const WEB_ENV = { KETEN_WEB_ROOT: path.join(ROOT, 'web') };

export async function startStack(opts = {}) {
  try {
    return await buildStack(opts);
  } catch (e) {
    for (const p of children) p.kill('SIGKILL');
    throw e;
  }
}

async function buildStack(opts) {
  const dir = mkdtempSync(path.join(WORK, 'stack-'));
  const db = await newDatabase();
  const env = { KETEN_DATABASE_URL: dbUrl(db) };
  const secrets = { netco: secret(), hostco: secret() };
  let r = keten(['migrate'], env);
  assert.equal(r.code, 0, r.stderr);

  // The simulators need the broker's address and the chain needs theirs:
  // import the chain with unreachable endpoints first, start the broker,
  // then the simulators, then import again with their real endpoints.
  const portFile = path.join(dir, 'keten.port');
  const unreachable = { netco: { url: 'https://127.0.0.1:1' }, hostco: { url: 'https://127.0.0.1:1' } };
  const chainFile = path.join(dir, 'chain.json');
  // opts.plainChain: as written, without the loopback allow (a previous
  // release that does not know allow_addresses imports it)
  const write = (file, doc) => (opts.plainChain ? writeFileSync(file, JSON.stringify(doc, null, 2))
    : writeChain(file, doc));
  write(chainFile, (opts.chain || chainDoc)(unreachable));
  r = keten(['chain', 'import', chainFile], env);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const keys = {};
  for (const [name, args] of Object.entries({
    integrator: ['--role', 'integrator'],
    acme: ['--role', 'customer', '--customer', 'acme'],
    globex: ['--role', 'customer', '--customer', 'globex'],
    netco: ['--role', 'supplier', '--supplier', 'netco'],
    hostco: ['--role', 'supplier', '--supplier', 'hostco'],
  })) {
    r = keten(['key', 'create', ...args], env);
    assert.equal(r.code, 0, r.stderr);
    keys[name] = r.stdout.trim();
  }
  const services = {};
  for (const line of (await psql(db, 'SELECT key, id FROM services')).split('\n')) {
    const [k, id] = line.split('|');
    services[k] = id;
  }
  const serveEnv = {
    ...env,
    KETEN_TLS_CERT: certs().cert, KETEN_TLS_KEY: certs().key, KETEN_SUPPLIER_CA: certs().ca,
    KETEN_SECRET_NETCO: secrets.netco, KETEN_SECRET_HOSTCO: secrets.hostco,
    KETEN_DISPATCH_INTERVAL_MS: '200', KETEN_RETRY_BASE_MS: '200', KETEN_RETRY_MAX_MS: '1000',
    KETEN_SUPPLIER_TIMEOUT_MS: '3000', KETEN_LEASE_MS: '5000',
    // The simulators' search does not lag unless a test says so (and then
    // sets this too): a lookup need not wait the production default.
    KETEN_SUPPLIER_SEARCH_LAG_MS: '0',
    ...NO_RATE_LIMITS, ...opsEnv(), ...WEB_ENV,
    ...(opts.config || {}),
  };
  const proc = track(spawn(BIN, ['serve', '--listen', '127.0.0.1:0', '--port-file', portFile],
    { env: { ...process.env, ...serveEnv }, stdio: ['ignore', 'pipe', 'pipe'] }));
  const log = collect(proc);
  const port = Number(await waitFile(portFile, proc, 'keten serve'));
  const url = `https://127.0.0.1:${port}`;
  const sims = {};
  for (const key of ['netco', 'hostco']) {
    sims[key] = await startSim(dir, { key, secret: secrets[key], brokerUrl: url,
      ...(opts.sim?.[key] || {}) });
  }
  write(chainFile, (opts.chain || chainDoc)(sims));
  r = keten(['chain', 'import', chainFile], env);
  assert.equal(r.code, 0, r.stderr + r.stdout);

  const stack = {
    db, dir, url, port, proc, log, keys, services, sims, secrets, env,
    api(method, p, options = {}) { return request(url, method, p, withOps(p, options)); },
    async stop() {
      for (const s of Object.values(sims)) await s.stop();
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        await new Promise((res) => proc.once('exit', res));
      }
      await closeDatabase(db);
      assert.equal(proc.exitCode, 0, `keten exited with ${proc.exitCode}:\n${log.text.slice(-4000)}`);
      assert.doesNotMatch(log.text, /Sanitizer|runtime error/, log.text.slice(-4000));
    },
  };
  return stack;
}

// Another `keten serve` on stack s's database, with its own name and
// settings (and binary: the upgrade suite runs two releases side by side).
// stop() expects a clean exit; kill() is a kill -9.
export async function startNode(s, name, config = {}, bin = BIN) {
  const portFile = path.join(s.dir, `${name}-${randomBytes(4).toString('hex')}.port`);
  const proc = track(spawn(bin, ['serve', '--listen', '127.0.0.1:0', '--port-file', portFile], {
    env: { ...process.env, ...s.env, KETEN_TLS_CERT: certs().cert, KETEN_TLS_KEY: certs().key,
      KETEN_SUPPLIER_CA: certs().ca, KETEN_SECRET_NETCO: s.secrets.netco,
      KETEN_SECRET_HOSTCO: s.secrets.hostco, KETEN_NODE_NAME: name, ...NO_RATE_LIMITS, ...opsEnv(), ...WEB_ENV, ...config },
    stdio: ['ignore', 'pipe', 'pipe'] }));
  const log = collect(proc);
  const port = Number(await waitFile(portFile, proc, `keten serve ${name}`));
  return {
    name, proc, url: `https://127.0.0.1:${port}`,
    log: () => log.text,
    api(method, p, options = {}) { return request(this.url, method, p, withOps(p, options)); },
    kill() {
      proc.kill('SIGKILL');
      return new Promise((r) => (proc.exitCode !== null || proc.signalCode ? r() : proc.once('exit', r)));
    },
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => (proc.exitCode !== null ? r() : proc.once('exit', r)));
      assert.equal(proc.exitCode, 0, log.text.slice(-3000));
      assert.doesNotMatch(log.text, /Sanitizer|runtime error/);
    },
  };
}

// Polls fn until it returns a truthy value; fails after ms.
export async function eventually(fn, ms = 15000, what = 'condition') {
  const until = Date.now() + ms;
  let last;
  while (Date.now() < until) {
    last = await fn();
    if (last) return last;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}`);
}
