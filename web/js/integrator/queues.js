// queues.js - the integrator's work queues (web/integrator/index.html):
// the size of each queue (GET /v1/queues) and the tickets of the chosen one
// (GET /v1/tickets?state=), both read again when the live stream says
// something changed. Dead letters have their own page.
import { start, t, el, replace, api, say, sayError, live, when, now, param, table, ticketLink }
  from './common.js';

const TICKET_QUEUES = ['needs_triage', 'escalated', 'delivery_delayed', 'sla_breached', 'sla_warning'];
let chosen = TICKET_QUEUES.includes(param('queue')) ? param('queue') : 'needs_triage';
const tiles = el('ul', { id: 'kt-queues', class: 'kt-queues' });
const list = el('section', { id: 'kt-list', 'aria-live': 'polite' });

function tile(q, href) {
  return el('li', {}, el('a', { href, 'data-queue': q, 'aria-current': q === chosen ? 'true' : null },
    el('span', { class: 'kt-count', 'data-count': q }, '…'), ' ', t('queues.' + q)));
}

async function showList() {
  const page = await api('GET', `/v1/tickets?state=${chosen}&limit=100`);
  const name = t('queues.' + chosen);
  replace(list, el('h2', {}, name), page.items.length === 0 ? el('p', {}, t('queues.empty'))
    : table(t('queues.caption', { queue: name }),
      ['col_number', 'col_summary', 'col_service', 'col_customer', 'col_priority', 'col_status', 'col_created']
        .map((c) => t('queues.' + c)),
      page.items.map((x) => [ticketLink(x.id, x.number), x.summary, x.service?.name, x.customer?.name,
        'P' + x.priority, x.status, when(x.created_at)])));
}

async function refresh() {
  try {
    const { queues } = await api('GET', '/v1/queues');
    for (const [q, n] of Object.entries(queues)) {
      const c = tiles.querySelector(`[data-count="${q}"]`);
      if (c) c.textContent = String(n);
    }
    for (const a of tiles.querySelectorAll('a[data-queue]')) {
      a.setAttribute('aria-current', a.dataset.queue === chosen ? 'true' : 'false');
    }
    await showList();
    say(t('console.updated', { time: now() }));
  } catch (e) {
    sayError(e);
  }
}

tiles.addEventListener('click', (ev) => {
  const a = ev.target.closest('a[data-queue]');
  if (!a || !TICKET_QUEUES.includes(a.dataset.queue)) return;
  ev.preventDefault();
  chosen = a.dataset.queue;
  history.replaceState(null, '', '?queue=' + chosen);
  refresh();
});

const main = await start('queues', 'queues.title');
if (main) {
  main.append(el('p', {}, t('queues.intro')), el('section', { 'aria-labelledby': 'kt-queues-h' },
    el('h2', { id: 'kt-queues-h' }, t('queues.choose')), tiles), list);
  replace(tiles, TICKET_QUEUES.map((q) => tile(q, '?queue=' + q)),
    tile('dead_letters', '/integrator/dead-letters.html'));
  await refresh();
  live(refresh);
}
