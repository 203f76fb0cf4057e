// topdesk.mjs - what the TOPdesk system tests share: the mapping of the
// TOPdesk suppliers, the test chain with a pushed one (acme-topdesk,
// service acme-desk) and a polled one (acme-topdesk-polled, service
// acme-desk-polled) on the same TOPdesk, and a stack with both at a
// running tests/sim/topdesk-sim.mjs.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { startStack, chainDoc, certs, keten, eventually, request, writeChain } from './harness.mjs';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
export const KEY = 'acme-topdesk';
export const POLLED = 'acme-topdesk-polled';
export const PASSWORD = 'app-password-1';
export const PUSH_TOKEN = 'push-token-1';
export const CALLER = 'c0ffee00-0000-4000-8000-00000000ca11';
export const US = '0be7a70e-0000-4000-8000-000000000001';

export const mapping = {
  caller: { id: CALLER },
  integration_user: { id: US },
  entries: {
    incident: { callType: { name: 'Storing' }, operatorGroup: { name: 'Netwerk' } },
    request: { callType: { name: 'Aanvraag' } },
  },
  impact: { 1: { name: 'Organisatie' }, 2: { name: 'Afdeling' }, 3: { name: 'Persoon' } },
  urgency: { 1: { name: 'Hoog' }, 2: { name: 'Gemiddeld' }, 3: { name: 'Laag' } },
  status_out: { new: { name: 'Aangemeld' }, in_progress: { name: 'In behandeling' },
    resolved: { name: 'Opgelost' }, closed: { name: 'Gesloten' }, cancelled: { name: 'Geannuleerd' } },
  status_in: { Aangemeld: 'new', 'In behandeling': 'in_progress', 'Wacht op klant': 'pending_customer',
    Opgelost: 'resolved' },
};

// The tests' chain plus a TOPdesk supplier at endpoint and a service that
// goes to it, and the same TOPdesk once more, polled (its changes are
// never pushed there): two suppliers keep the push path and the poll
// path apart.
export const topdeskChain = (endpoint) => (sims) => {
  const doc = chainDoc(sims);
  doc.suppliers.push({ key: KEY, name: 'Acme TOPdesk', adapter: 'topdesk', endpoint,
    secret_ref: 'env:KETEN_SECRET_TOPDESK_PASSWORD', auth: { kind: 'basic', username: 'keten' },
    inbound: { secret_ref: 'env:KETEN_SECRET_TOPDESK_PUSH' }, mapping });
  doc.services.push({ key: 'acme-desk', customer: 'acme', name: 'Desk Acme', default_component: 'desk',
    components: [{ key: 'desk', name: 'Service desk', kind: 'application', supplier: KEY }] });
  doc.suppliers.push({ key: POLLED, name: 'Acme TOPdesk (polled)', adapter: 'topdesk',
    endpoint, secret_ref: 'env:KETEN_SECRET_TOPDESK_PASSWORD', auth: { kind: 'basic', username: 'keten' },
    mapping, poll: { interval_ms: 300, overlap_ms: 2000, page_size: 2 } });
  doc.services.push({ key: 'acme-desk-polled', customer: 'acme', name: 'Polled desk Acme',
    default_component: 'desk-polled',
    components: [{ key: 'desk-polled', name: 'Polled desk', kind: 'application', supplier: POLLED }] });
  return doc;
};

// The settings a broker node needs for the TOPdesk suppliers.
export const topdeskEnv = { KETEN_SECRET_TOPDESK_PASSWORD: PASSWORD, KETEN_SECRET_TOPDESK_PUSH: PUSH_TOKEN };

async function startSim(brokerUrl, dir) {
  const portFile = path.join(dir, 'topdesk.port');
  const proc = spawn(process.execPath, [path.join(ROOT, 'tests/sim/topdesk-sim.mjs'),
    '--cert', certs().cert, '--tls-key', certs().key, '--port-file', portFile, '--login', 'keten',
    '--operator-id', US, '--key', KEY, '--broker-url', brokerUrl, '--broker-ca', certs().ca],
  { env: { ...process.env, SIM_PASSWORD: PASSWORD, SIM_PUSH_TOKEN: PUSH_TOKEN }, stdio: 'ignore' });
  const port = await eventually(() => existsSync(portFile) && readFileSync(portFile, 'utf8').trim(),
    15000, 'the TOPdesk simulator listening');
  const url = `https://127.0.0.1:${port}`;
  return {
    url, proc,
    control: async (method, p, body) => (await request(url, method, p, { body })).json,
  };
}

// A stack whose chain has the TOPdesk suppliers at a fresh topdesk-sim;
// config adds KETEN_* settings of its broker. Returns {s, sim}.
export async function startTopdesk(config = {}) {
  const s = await startStack({ chain: topdeskChain('https://127.0.0.1:1'),
    config: { ...topdeskEnv, ...config } });
  const sim = await startSim(s.url, s.dir);
  const file = path.join(s.dir, 'chain.json');
  writeChain(file, topdeskChain(sim.url)(s.sims));
  const r = keten(['chain', 'import', file], s.env);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  return { s, sim };
}

export async function stopTopdesk(s, sim) {
  if (sim && sim.proc.exitCode === null) {
    sim.proc.kill('SIGTERM');
    await new Promise((r) => sim.proc.once('exit', r));
  }
  if (s) await s.stop();
}
