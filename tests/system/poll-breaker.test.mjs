// poll-breaker.test.mjs - a poll shares its supplier's circuit breaker
// with the deliveries: failed poll pages count toward opening it, an open
// circuit defers the poll (no request reaches the supplier until the open
// period ends, then one probe), and the circuit closes once a probe gets
// through, after which the supplier's changes come back by polling again.
// The polled TOPdesk supplier of lib/topdesk.mjs (polled every 300 ms)
// against a topdesk-sim that answers its GETs 503 for a while.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, psql } from './lib/harness.mjs';
import { scrape, value } from './lib/metrics.mjs';
import { POLLED, startTopdesk, stopTopdesk } from './lib/topdesk.mjs';

let s;
let sim;

before(async () => {
  ({ s, sim } = await startTopdesk({ KETEN_POLL_TICK_MS: '100', KETEN_RETRY_BASE_MS: '100',
    KETEN_RETRY_MAX_MS: '300', KETEN_BREAKER_FAILURES: '2', KETEN_BREAKER_OPEN_MS: '2500',
    KETEN_BREAKER_OPEN_MAX_MS: '5000', KETEN_SUPPLIER_TIMEOUT_MS: '2000' }));
});
after(async () => { await stopTopdesk(s, sim); });

// Every GET of the poller: a page of changed incidents, or a page of one
// incident's actions (a pass that failed there probes that page again).
const polls = async () => (await sim.control('GET', '/_sim/received'))
  .filter((x) => x.method === 'GET' && (x.path.startsWith('/tas/api/incidents?query=modificationDate') ||
    /^\/tas\/api\/incidents\/id\/[^/]+\/actions\?/.test(x.path)));
const metric = async (name, labels) => value(await scrape(s), name, labels);
const circuit = () => metric('keten_circuit_state', { supplier: POLLED });
const deferred = () => metric('keten_polls_total', { supplier: POLLED, result: 'deferred' });

test('failed polls open the supplier\'s circuit, which defers the poll until a probe gets through', async () => {
  // A delivered ticket of the polled supplier, to see its changes come back.
  const r = await s.api('POST', '/v1/tickets', { key: s.keys.acme, body: {
    service: s.services['acme-desk-polled'], type: 'incident', summary: 'Polled behind a breaker',
    description: 'poll breaker', impact: 2, urgency: 2 } });
  assert.equal(r.status, 201, r.text);
  const leg = await psql(s.db, `SELECT id FROM legs WHERE ticket_id = '${r.json.id}'`);
  const ext = await eventually(async () =>
    psql(s.db, `SELECT coalesce(external_id, '') FROM legs WHERE id = '${leg}'`), 20000, 'the leg linked');
  await eventually(async () => (await polls()).some((x) => x.answered === 200 || x.answered === 206 ||
    x.answered === 204), 20000, 'a poll that got through');
  assert.equal(await circuit(), 0, 'closed while polls get through');

  await sim.control('POST', '/_sim/mode', { mode: 'status', status: 503, method: 'GET' });
  await eventually(async () => (await circuit()) === 2, 20000, 'the circuit open after failed polls');
  // While it is open, the poll is deferred without asking TOPdesk.
  const from = await deferred();
  await eventually(async () => (await deferred()) > from, 20000, 'a poll deferred by the open circuit');
  // The open period ends: one probe, which fails: open again. Nothing
  // reached TOPdesk in between: the probe (the third failed GET) came at
  // least the open period (2500 ms) after the second failure opened it,
  // by the simulator's clock.
  const failed503 = async () => (await polls()).filter((x) => x.answered === 503);
  await eventually(async () => (await failed503()).length >= 3, 20000, 'the probe');
  const [, opened, probe] = await failed503();
  assert.ok(probe.at - opened.at >= 2450,
    `no poll reached TOPdesk while the circuit was open: the probe came ${probe.at - opened.at} ms after it opened`);
  await eventually(async () => (await circuit()) === 2, 20000, 'open again after the failed probe');

  await sim.control('POST', '/_sim/mode', { mode: 'normal' });
  await eventually(async () => (await circuit()) === 0, 30000, 'closed once a probe got through');
  await sim.control('POST', '/_sim/change', { incident: ext, push: false, processingStatus: 'In behandeling' });
  await eventually(async () => (await psql(s.db, `SELECT status FROM legs WHERE id = '${leg}'`)) === 'in_progress',
    20000, 'the change polled after the circuit closed');
  const failed = (await polls()).filter((x) => x.answered === 503).length;
  assert.ok(failed >= 3, `two failures opened it and a probe failed: ${failed} failed polls`);
});
