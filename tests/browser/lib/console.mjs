// console.mjs - the integrator console's story steps shared by the browser
// tests that sign in differently (a local account, single sign-on): the
// chain with a triage desk, a triage ticket filed by the customer, routing
// it by hand in the ticket page (the acting person named on its timeline),
// a dead letter made by a refusing simulator and replayed in the page; and
// the page checks every step ends with (nothing went wrong, wait or say why).
import assert from 'node:assert/strict';
import { chainDoc, eventually } from '../../system/lib/harness.mjs';
import { fileTicket } from '../../system/lib/tickets.mjs';
import { a11y, shot } from './browser.mjs';

// The harness chain plus acme-desk, whose tickets wait in triage.
export function consoleChain(sims) {
  const d = chainDoc(sims);
  d.services.push({ key: 'acme-desk', customer: 'acme', name: 'Desk Acme',
    components: [{ key: 'desk', name: 'Desk', kind: 'people', children: [
      { key: 'net', name: 'Network', kind: 'network', supplier: 'netco' }] }] });
  return d;
}

// Forgets what the sign-in left in page's failed answers: the 401 of GET
// /v1/session the sign-in page got while nobody was signed in, and any
// answer from another origin than the broker's (url; a single sign-on
// provider's pages, e.g. its missing favicon), so that clean() judges
// only what came after.
export function forgetSignIn(page, url) {
  const origin = new URL(url).origin;
  page.problems.failed = page.problems.failed.filter((f) => new URL(f.url).origin === origin &&
    new URL(f.url).pathname !== '/v1/session');
}

// Nothing went wrong in page: no uncaught error, no console error, no
// answer >= 400.
export function clean(page) {
  assert.deepEqual(page.problems.errors, []);
  assert.deepEqual(page.problems.console, []);
  assert.deepEqual(page.problems.failed, []);
}

// Waits for selector in page; on a timeout fails with what the page shows
// and what went wrong in it.
export async function ready(page, selector, timeout = 20000) {
  try {
    await page.waitForSelector(selector, { timeout });
  } catch (e) {
    const text = await page.evaluate(() => document.body.innerText).catch(() => '');
    assert.fail(`${selector} not in ${page.url()}: ${e.message}\n${JSON.stringify(page.problems)}\n${text}`);
  }
}

// Files a ticket on acme-desk as the customer acme (it waits in triage);
// returns the created ticket.
export async function triageTicket(s, summary) {
  const r = await s.api('POST', '/v1/tickets', { key: s.keys.acme, body: {
    service: s.services['acme-desk'], type: 'incident', summary, description: 'browser test',
    impact: 2, urgency: 2 } });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

// In page (signed in as the integrator person named person), opens a new
// triage ticket from the queues page, routes it by hand to netco with the
// keyboard, and checks the ticket page, the API and netco's simulator
// agree; the timeline names the person who routed it. name: the
// screenshot's name, or none.
export async function routeByHand(s, page, person, name) {
  const t = await triageTicket(s, 'route me to netco');
  await page.goto(`${s.url}/integrator/`, { waitUntil: 'networkidle2' });
  await ready(page, `a[href$="${t.id}"]`);
  await Promise.all([page.waitForNavigation({ waitUntil: 'networkidle2' }), page.click(`a[href$="${t.id}"]`)]);
  await ready(page, '#kt-route-to');
  await a11y(page, 'integrator ticket');
  await page.select('#kt-route-to', 's:netco');
  await page.type('#kt-route-reason', 'network, clearly');
  // Keyboard: the submit button is reached from the reason by Tab and
  // pressed with Enter.
  await page.focus('#kt-route-reason');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Route');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.getElementById('kt-say').textContent === 'Routed.',
    { timeout: 10000 });
  await page.waitForFunction(() => [...document.querySelectorAll('#kt-ticket tbody tr')]
    .some((r) => r.textContent.includes('NetCo (netco)')), { timeout: 10000 });
  await page.waitForFunction((who) => [...document.querySelectorAll('.kt-timeline li')]
    .some((li) => li.textContent.includes('rerouted') && li.textContent.includes(who)),
  { timeout: 10000 }, person);
  if (name) await shot(page, name);
  const v = await s.api('GET', `/v1/tickets/${t.id}`, { key: s.keys.integrator });
  assert.equal(v.json.needs_triage, false);
  const ev = v.json.timeline.find((e) => e.kind === 'rerouted');
  assert.deepEqual(ev.data.to, ['netco']);
  assert.equal(ev.data.reason, 'network, clearly');
  assert.equal(ev.person?.name, person);
  await eventually(async () => (await s.sims.netco.received())
    .some((x) => x.json?.type === 'leg.create' && x.json.data?.id === t.id), 15000, 'netco got the create');
  clean(page);
  return t;
}

// Makes hostco refuse (422) a new ticket's create, which becomes the
// stack's first dead letter; then in page replays it from the dead-letters
// page and checks the create is delivered and the list empties. name:
// the screenshot's name, or none.
export async function replayDeadLetter(s, page, name) {
  await s.sims.hostco.mode({ mode: 'status', status: 422 });
  const t = await fileTicket(s, 'hosting', 'hostco refuses this');
  await eventually(async () => (await s.api('GET', '/v1/queues', { key: s.keys.integrator }))
    .json.queues.dead_letters === 1, 15000, 'the dead letter');
  await s.sims.hostco.mode({ mode: 'normal' });
  await page.goto(`${s.url}/integrator/dead-letters.html`, { waitUntil: 'networkidle2' });
  await ready(page, 'button[data-action="replay"]');
  const row = await page.$eval('#kt-dead tbody tr', (r) => r.textContent);
  assert.ok(row.includes(t.number) && row.includes('hostco') && row.includes('422'), row);
  await a11y(page, 'integrator dead letters');
  if (name) await shot(page, name);
  await page.click('button[data-action="replay"]');
  await page.waitForFunction(() => document.getElementById('kt-say').textContent.startsWith('Replayed'),
    { timeout: 10000 });
  await eventually(async () => (await s.api('GET', `/v1/tickets/${t.id}`, { key: s.keys.integrator }))
    .json.legs[0].external_id, 15000, 'the replayed create delivered');
  await page.waitForFunction(() => !document.querySelector('#kt-dead tbody'), { timeout: 10000 });
  clean(page);
  return t;
}
