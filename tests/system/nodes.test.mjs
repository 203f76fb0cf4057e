// nodes.test.mjs - two broker processes on one database: an API-only node
// takes the ticket, and the delivering node is woken by its coalesced
// NOTIFY long before its own sweep would find the work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { startStack, eventually, certs, request, sleep } from './lib/harness.mjs';

// A second `keten serve` on the stack's database, with its own settings.
async function secondNode(s, name, config) {
  const portFile = path.join(s.dir, `${name}.port`);
  const proc = spawn(process.env.KETEN_BIN, ['serve', '--listen', '127.0.0.1:0', '--port-file', portFile], {
    env: { ...process.env, ...s.env, KETEN_TLS_CERT: certs().cert, KETEN_TLS_KEY: certs().key,
      KETEN_SUPPLIER_CA: certs().ca, KETEN_SECRET_NETCO: s.secrets.netco,
      KETEN_SECRET_HOSTCO: s.secrets.hostco, KETEN_NODE_NAME: name, ...config },
    stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stderr.on('data', (d) => { log += d; });
  while (!existsSync(portFile)) {
    if (proc.exitCode !== null) throw new Error(log);
    await sleep(25);
  }
  await sleep(50);
  return {
    url: `https://127.0.0.1:${readFileSync(portFile, 'utf8').trim()}`,
    log: () => log,
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => (proc.exitCode !== null ? r() : proc.once('exit', r)));
      assert.equal(proc.exitCode, 0, log.slice(-3000));
      assert.doesNotMatch(log, /Sanitizer|runtime error/);
    },
  };
}

test('an API-only node announces work; a delivering node is woken by it', async () => {
  // The stack's own broker sweeps only every 10 minutes: it finds work only
  // when woken.
  const s = await startStack({ config: { KETEN_DISPATCH_INTERVAL_MS: '600000' } });
  const api = await secondNode(s, 'api-only', { KETEN_DISPATCH: '0' });
  try {
    await eventually(async () => /listen session|keten serving/.test(s.log.text), 5000, 'start');
    for (let i = 0; i < 3; i++) {
      const r = await request(api.url, 'POST', '/v1/tickets', { key: s.keys.acme, body: {
        service: s.services['acme-workplace'], type: 'incident', summary: `via the api node ${i}`,
        description: '', impact: 2, urgency: 2, component: 'vpn' } });
      assert.equal(r.status, 201, r.text);
      await eventually(async () => (await s.sims.netco.tickets()).some((x) => x.keten_ticket === r.json.id),
        20000, 'the delivering node to be woken and deliver');
    }
    assert.doesNotMatch(api.log(), /"msg":"delivery/, 'the API-only node delivers nothing');
  } finally {
    await api.stop();
    await s.stop();
  }
});
