// jira.mjs - what the Jira system tests share: the mappings of supplier
// acme-jira (pushed: JSM for incidents and requests, a platform project
// for changes) and acme-jira-polled (polled: a platform project of its
// own), the test chain with both and their services, a stack with them
// at a running jira-sim, and helpers that file a ticket and read its leg.
import assert from 'node:assert/strict';
import path from 'node:path';
import { startStack, chainDoc, certs, keten, eventually, psql, writeChain } from './harness.mjs';
import { specFile } from './openapi.mjs';
import { startSimProcess, stopSimProcess } from './sim-process.mjs';

export const KEY = 'acme-jira';
export const POLLED = 'acme-jira-polled';
export const EMAIL = 'keten@acme.example';
export const US = '5b10ac8d82e05b22cc7d4ef5';
export const TOKEN = 'api-token-1';
export const HOOK_SECRET = 'webhook-secret-1';

export const mapping = {
  entries: {
    incident: { api: 'servicedesk', serviceDeskId: '1', requestTypeId: '10' },
    request: { api: 'servicedesk', serviceDeskId: '1', requestTypeId: '11' },
    change: { api: 'platform', project: { key: 'CHG' }, issuetype: { id: '10002' } },
  },
  integration_user: US,
  poll_jql: 'project in (ITSD, CHG)',
  priority: { 1: { name: 'Highest' }, 2: { name: 'High' }, 3: { name: 'Medium' }, 4: { name: 'Low' }, 5: { name: 'Lowest' } },
  transitions: { in_progress: { name: 'Reopen' }, closed: { name: 'Closed' }, cancelled: { name: 'Cancel request' } },
  resolution: { name: 'Done' },
  cancel_resolution: { name: "Won't Do" },
  status_in: { 'Waiting for customer': 'pending_customer', Closed: 'closed', Canceled: 'cancelled' },
  internal_visibility: { type: 'role', value: 'Service Desk Team' },
  rate_limit: { reset_header: 'X-RateLimit-Reset', format: 'date' },
};

export const polledMapping = {
  ...mapping,
  entries: { incident: { api: 'platform', project: { key: 'OPS' }, issuetype: { id: '10003' } } },
  poll_jql: 'project in (OPS)',
};

// The test chain plus the two Jira suppliers at endpoint and a service each.
export const chainWith = (endpoint, { searchLagMs = 0 } = {}) => (sims) => {
  const doc = chainDoc(sims);
  const auth = { kind: 'basic', username: EMAIL };
  doc.suppliers.push({ key: KEY, name: 'Acme Jira', adapter: 'jira', endpoint, secret_ref: 'env:KETEN_SECRET_JIRA_TOKEN',
    auth, inbound: { secret_ref: 'env:KETEN_SECRET_JIRA_HOOK' }, mapping,
    ...(searchLagMs ? { delivery: { search_lag_ms: searchLagMs } } : {}) });
  doc.suppliers.push({ key: POLLED, name: 'Acme Jira (polled)', adapter: 'jira', endpoint,
    secret_ref: 'env:KETEN_SECRET_JIRA_TOKEN', auth, mapping: polledMapping,
    poll: { interval_ms: 300, overlap_ms: 120000, page_size: 2 } });
  doc.services.push({ key: 'acme-jira', customer: 'acme', name: 'Jira Acme', default_component: 'desk',
    components: [{ key: 'desk', name: 'Desk', kind: 'application', supplier: KEY }] });
  doc.services.push({ key: 'acme-jira-polled', customer: 'acme', name: 'Polled Jira Acme',
    default_component: 'ops', components: [{ key: 'ops', name: 'Ops', kind: 'application', supplier: POLLED }] });
  return doc;
};

// jira-sim for stack st, pushing to st's broker as supplier KEY.
export function startJiraSim(st) {
  return startSimProcess(st, 'jira', ['--email', EMAIL, '--account-id', US, '--key', KEY,
    '--broker-url', st.url, '--broker-ca', certs().ca], { SIM_API_TOKEN: TOKEN, SIM_WEBHOOK_SECRET: HOOK_SECRET });
}

// A stack with both Jira suppliers at a fresh jira-sim: {s, jira}.
export async function startJira(config = {}, opts = {}) {
  // the simulator checks every request against these: fail now, and say where they go
  specFile('jira/platform/swagger-v3.v3.json');
  specFile('jira/service-desk/swagger.v3.json');
  const st = await startStack({ chain: chainWith('https://127.0.0.1:1', opts),
    config: { KETEN_SECRET_JIRA_TOKEN: TOKEN, KETEN_SECRET_JIRA_HOOK: HOOK_SECRET, KETEN_POLL_TICK_MS: '200', ...config } });
  const sim = await startJiraSim(st);
  const file = path.join(st.dir, 'chain-jira.json');
  writeChain(file, chainWith(sim.url, opts)(st.sims));
  const r = keten(['chain', 'import', file], st.env);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  return { s: st, jira: sim };
}

export const stopJira = stopSimProcess;

// Files a ticket of type to service; returns the API's answer.
export const file = (s, type, summary, service = 'acme-jira', extra = {}) => s.api('POST', '/v1/tickets', {
  key: s.keys.acme, body: { service: s.services[service], type, summary,
    description: 'Line one\nline <two> & *more*\n\nSecond paragraph', impact: 2, urgency: 1, ...extra } });

// The leg of ticket at a Jira supplier, and its row.
export const legOf = (s, ticket) => psql(s.db, 'SELECT l.id FROM legs l JOIN suppliers p ON p.id = l.supplier_id' +
  ` WHERE l.ticket_id = '${ticket}' AND p.key IN ('${KEY}', '${POLLED}')`);
export async function legRow(s, leg) {
  const [status, ext] = (await psql(s.db, `SELECT status, coalesce(external_id, '') FROM legs WHERE id = '${leg}'`)).split('|');
  return { status, ext };
}

// The simulator's issues that carry leg's label.
export async function issuesOf(sim, leg) {
  return (await sim.control('GET', '/_sim/issues')).filter((i) => i.labels.includes(`keten-${leg}`));
}

// A ticket of type at Jira, linked: {ticket, leg, issue}.
export async function delivered(s, sim, type, summary, service) {
  const r = await file(s, type, summary, service);
  assert.equal(r.status, 201, r.text);
  const leg = await legOf(s, r.json.id);
  const ext = await eventually(async () => (await legRow(s, leg)).ext, 20000, 'the leg linked');
  const [issue] = await issuesOf(sim, leg);
  assert.equal(issue.id, ext, 'the leg names the issue Jira made');
  return { ticket: r.json, leg, issue };
}

// Waits until no message of leg is pending.
export const settled = (s, leg) => eventually(async () =>
  (await psql(s.db, `SELECT count(*) FROM outbox WHERE leg_id = '${leg}' AND state = 'pending'`)) === '0',
30000, 'the leg\'s messages finished');
