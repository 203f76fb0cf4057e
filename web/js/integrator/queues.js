// queues.js - the integrator's work queues (web/integrator/index.html):
// the size of each queue (GET /v1/queues) and the tickets of the chosen one
// (GET /v1/tickets?state=), both read again when the live stream says
// something changed. Dead letters have their own page.
import { start, t, el, fill, api, say, sayError, live, when, param, table, ticketLink } from './common.js';

const TICKET_QUEUES = ['needs_triage', 'escalated', 'delivery_delayed', 'sla_breached', 'sla_warning'];
let chosen = TICKET_QUEUES.includes(param('queue')) ? param('queue') : 'needs_triage';

function queueLinks(counts) {
  const items = TICKET_QUEUES.map((q) => el('li', {},
    el('a', { href: '?queue=' + q, 'data-queue': q, 'aria-current': q === chosen ? 'true' : null },
      el('span', { className: 'kt-count', 'data-count': q }, String(counts[q])), ' ', t('queues.' + q))));
  items.push(el('li', {}, el('a', { href: '/integrator/dead-letters.html', 'data-queue': 'dead_letters' },
    el('span', { className: 'kt-count', 'data-count': 'dead_letters' }, String(counts.dead_letters)),
    ' ', t('queues.dead_letters'))));
  return items;
}

async function showList() {
  const page = await api('GET', `/v1/tickets?state=${chosen}&limit=100`);
  const box = document.getElementById('kt-list');
  if (page.items.length === 0) {
    fill(box, el('h2', {}, t('queues.' + chosen)), el('p', {}, t('queues.empty')));
    return;
  }
  fill(box, el('h2', {}, t('queues.' + chosen)), table(t('queues.caption', { queue: t('queues.' + chosen) }),
    ['col_number', 'col_summary', 'col_service', 'col_customer', 'col_priority', 'col_status', 'col_created']
      .map((c) => t('queues.' + c)),
    page.items.map((x) => [ticketLink(x.id, x.number), x.summary, x.service?.name, x.customer?.name,
      'P' + x.priority, x.status, when(x.created_at)])));
}

async function refresh() {
  try {
    const { queues } = await api('GET', '/v1/queues');
    fill(document.getElementById('kt-queues'), queueLinks(queues));
    await showList();
    say(t('common.updated', { time: when(new Date().toISOString()) }));
  } catch (e) {
    sayError(e);
  }
}

document.getElementById('kt-queues').addEventListener('click', (ev) => {
  const a = ev.target.closest('a[data-queue]');
  if (!a || !TICKET_QUEUES.includes(a.dataset.queue)) return;
  ev.preventDefault();
  chosen = a.dataset.queue;
  history.replaceState(null, '', '?queue=' + chosen);
  refresh();
});

if (await start('queues', 'queues.title')) {
  await refresh();
  live(refresh);
}
