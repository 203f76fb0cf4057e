// reload.test.mjs - SIGHUP (issue 16): `keten serve` reads its config file
// again and applies the log level, the TLS certificate (new connections;
// an open keep-alive connection goes on being served) and the ops token,
// without a restart and without dropping a request; a broken file changes
// nothing and the broker keeps serving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, copyFileSync } from 'node:fs';
import https from 'node:https';
import tls from 'node:tls';
import path from 'node:path';
import { newDatabase, dbUrl, keten, certs, eventually, request, sleep } from './lib/harness.mjs';

// A new leaf for 127.0.0.1 signed by the test CA, written as dir/name.{pem,key}.
function leaf(dir, name) {
  const key = path.join(dir, `${name}.key`);
  const csr = path.join(dir, `${name}.csr`);
  const ext = path.join(dir, `${name}.ext`);
  const pem = path.join(dir, `${name}.pem`);
  execFileSync('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', key, '-out', csr, '-subj', `/CN=${name}`], { stdio: 'ignore' });
  writeFileSync(ext, 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  const caDir = path.dirname(certs().ca);
  execFileSync('openssl', ['x509', '-req', '-in', csr, '-CA', certs().ca, '-CAkey', path.join(caDir, 'ca.key'),
    '-CAcreateserial', '-CAserial', path.join(dir, 'ca.srl'), '-days', '30', '-extfile', ext, '-out', pem],
  { stdio: 'ignore' });
  return { pem, key };
}

// The certificate's CN a fresh TLS connection to port is shown.
const servedName = (port) => new Promise((resolve, reject) => {
  const s = tls.connect({ host: '127.0.0.1', port, ca: readFileSync(certs().ca), servername: undefined }, () => {
    const cn = s.getPeerCertificate().subject.CN;
    s.end();
    resolve(cn);
  });
  s.on('error', reject);
});

test('SIGHUP reloads the log level, the certificate and the ops token; a broken file changes nothing', async () => {
  const dir = mkdtempSync(path.join(process.env.KETEN_TEST_WORK, 'reload-'));
  const db = await newDatabase();
  assert.equal(keten(['migrate'], { KETEN_DATABASE_URL: dbUrl(db) }).code, 0);
  const first = leaf(dir, 'first');
  const second = leaf(dir, 'second');
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'cert.key');
  copyFileSync(first.pem, cert);
  copyFileSync(first.key, key);
  const tokenFile = path.join(dir, 'ops-token');
  writeFileSync(tokenFile, 'ops-token-one');
  const conf = path.join(dir, 'keten.conf');
  const write = (level, extra = '') => writeFileSync(conf, [`database_url = ${dbUrl(db)}`,
    `tls_cert = ${cert}`, `tls_key = ${key}`, `log_level = ${level}`, `secrets_dir = ${dir}`,
    `ops_token_ref = file:${tokenFile}`, 'listen = 127.0.0.1:0', `port_file = ${path.join(dir, 'port')}`,
    extra].join('\n') + '\n');
  write('warn');
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('KETEN_') && k !== 'KETEN_TEST_WORK') delete env[k];
  const proc = spawn(process.env.KETEN_BIN, ['serve', '--config', conf], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stderr.on('data', (d) => { log += d; });
  try {
    const port = Number(await eventually(() => existsSync(path.join(dir, 'port')) &&
      readFileSync(path.join(dir, 'port'), 'utf8').trim(), 20000, 'the port file'));
    const url = `https://127.0.0.1:${port}`;
    const ready = (token) => request(url, 'GET', '/readyz', { headers: { authorization: `Bearer ${token}` } });
    assert.equal((await ready('ops-token-one')).status, 200);
    assert.equal(await servedName(port), 'first');
    assert.doesNotMatch(log, /"level":"info","msg":"request"/, 'at warn, requests are not logged');

    // A keep-alive connection opened before the reload.
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: readFileSync(certs().ca) });
    const viaAgent = () => new Promise((resolve, reject) => {
      const req = https.get(`${url}/healthz`, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode, socket: req.reusedSocket }));
      });
      req.on('error', reject);
    });
    assert.equal((await viaAgent()).status, 200);

    copyFileSync(second.pem, cert);
    copyFileSync(second.key, key);
    writeFileSync(tokenFile, 'ops-token-two');
    write('info');
    proc.kill('SIGHUP');
    await eventually(() => /configuration reloaded \(SIGHUP\)/.test(log), 10000, 'the reload logged');
    assert.equal(await servedName(port), 'second', 'a new connection gets the new certificate');
    const again = await viaAgent();
    assert.equal(again.status, 200, 'the open connection is still served');
    assert.equal(again.socket, true, 'on the same socket');
    assert.equal((await ready('ops-token-one')).status, 401, 'the old token no longer works');
    assert.equal((await ready('ops-token-two')).status, 200, 'the new one does');
    await eventually(() => /"level":"info","msg":"request"/.test(log), 5000, 'requests logged at info');

    // A broken file: nothing changes, the broker serves on.
    write('chatty');
    writeFileSync(tokenFile, 'ops-token-three');
    proc.kill('SIGHUP');
    await eventually(() => /the configuration was not reloaded/.test(log), 10000, 'the refusal logged');
    assert.match(log, /log_level/);
    assert.equal((await ready('ops-token-two')).status, 200, 'the token in force stays');
    assert.equal(await servedName(port), 'second');
    agent.destroy();
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => (proc.exitCode !== null ? r() : proc.once('exit', r)));
  }
  assert.equal(proc.exitCode, 0, log.slice(-3000));
  assert.doesNotMatch(log, /Sanitizer|runtime error/);
  await sleep(0);
});
