// servicenow.mjs - what the ServiceNow system tests share: the mapping of
// supplier snow, the test chain with it and its service acme-sn, a stack
// with snow at a running servicenow-sim, and the helpers that file a
// ticket to acme-sn and read its one leg.
import assert from 'node:assert/strict';
import path from 'node:path';
import { startStack, chainDoc, certs, keten, eventually, psql, writeChain } from './harness.mjs';
import { startSimProcess, stopSimProcess } from './sim-process.mjs';

export const ITEM = '060f3afa3731300054b6a3549dbe5d3e';
export const PASSWORD = 'sim-password-1';
export const TOKEN = 'push-token-1';

export const mapping = {
  integration_user: 'svc.keten',
  entries: {
    incident: { table: 'incident', close_code: 'Solved (Permanently)',
      fields: { caller_id: '5137153cc611227c000bbd1bd8cd2005', category: 'network' } },
    change: { table: 'change_request', close_code: 'successful',
      status_in: { '-5': 'new', '-1': 'in_progress', 0: 'in_progress', 3: 'closed', 4: 'cancelled' },
      status_out: { in_progress: '-1', resolved: '0', cancelled: '4' } },
    problem: { table: 'problem',
      status_in: { 101: 'new', 102: 'in_progress', 106: 'resolved', 107: 'closed' },
      status_out: { in_progress: '102', resolved: '106', cancelled: '107' } },
    request: { catalog_item: ITEM, summary_variable: 'short_description', description_variable: 'details',
      reference_variable: 'keten_reference',
      status_in: { 1: 'new', 2: 'in_progress', 3: 'closed', 4: 'cancelled' },
      status_out: { in_progress: '2', resolved: '3', cancelled: '4' } },
  },
};

// The test chain plus supplier snow (ServiceNow at endpoint, its pushes
// checked with the secret opts.inboundRef names, polled as opts.poll says
// when given) and service acme-sn whose one component it supplies.
export const chainWith = (endpoint, { inboundRef = 'env:KETEN_SECRET_INBOUND_SNOW', poll } = {}) => (sims) => {
  const doc = chainDoc(sims);
  doc.suppliers.push({ key: 'snow', name: 'Acme ServiceNow', adapter: 'servicenow', endpoint,
    secret_ref: 'env:KETEN_SECRET_SNOW', auth: { kind: 'basic', username: 'svc.keten' },
    inbound: { secret_ref: inboundRef }, mapping, ...(poll ? { poll } : {}) });
  doc.services.push({ key: 'acme-sn', customer: 'acme', name: 'ServiceNow Acme', default_component: 'desk',
    components: [{ key: 'desk', name: 'Desk', kind: 'application', supplier: 'snow' }] });
  return doc;
};

// servicenow-sim for stack st, pushing to brokerUrl when push.
export function startSnowSim(st, brokerUrl, push = true) {
  return startSimProcess(st, 'servicenow', ['--user', 'svc.keten', '--catalog-item', ITEM, '--key', 'snow',
    '--broker-url', brokerUrl, '--broker-ca', certs().ca, ...(push ? ['--push'] : [])],
  { SIM_PASSWORD: PASSWORD, SIM_TOKEN: TOKEN });
}

// A stack with supplier snow at a fresh servicenow-sim; config adds KETEN_*
// settings of its broker, opts those of chainWith (and push: false for a
// simulator that does not push). Returns {s, sn}.
export async function startSnow(config = {}, opts = {}) {
  const st = await startStack({ chain: chainWith('https://127.0.0.1:1', opts),
    config: { KETEN_SECRET_SNOW: PASSWORD, KETEN_SECRET_INBOUND_SNOW: TOKEN, ...config } });
  const sim = await startSnowSim(st, st.url, opts.push !== false);
  const file = path.join(st.dir, 'chain-snow.json');
  writeChain(file, chainWith(sim.url, opts)(st.sims));
  const r = keten(['chain', 'import', file], st.env);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  return { s: st, sn: sim };
}

export const stopSnow = stopSimProcess;

// The helpers of a test on stack s (read when called: s may be set later).
export function snowTickets(stack) {
  const s = () => stack();
  const legOf = async (ticket) => {
    const row = await psql(s().db, `SELECT id, coalesce(external_id, '') FROM legs WHERE ticket_id = '${ticket}'`);
    const [id, external] = row.split('|');
    return { id, external };
  };
  return {
    // Files a ticket of type to acme-sn as acme; its id.
    async fileTicket(type, summary) {
      const r = await s().api('POST', '/v1/tickets', { key: s().keys.acme, body: {
        service: s().services['acme-sn'], type, summary, description: `${type} from Keten`, impact: 1, urgency: 2 } });
      assert.equal(r.status, 201, r.text);
      return r.json.id;
    },
    legOf,
    // The leg once its create is delivered and the record's sys_id kept.
    deliveredLeg: (ticket) => eventually(async () => {
      const l = await legOf(ticket);
      return l.external && l;
    }, 20000, 'the create delivered'),
    integratorView: async (ticket) => (await s().api('GET', `/v1/tickets/${ticket}`,
      { key: s().keys.integrator })).json,
    customerView: async (ticket) => (await s().api('GET', `/v1/tickets/${ticket}`, { key: s().keys.acme })).json,
    legStatus: (ticket) => psql(s().db, `SELECT status FROM legs WHERE ticket_id = '${ticket}'`),
  };
}
