// tickets.js - every ticket for the integrator (web/integrator/
// tickets.html), newest first, a page at a time (GET /v1/tickets), each
// linking to its page; the first page is read again on live events.
import { start, t, el, replace, api, say, sayError, live, when, now, table, ticketLink } from './common.js';

const box = el('div', { id: 'kt-tickets' });
const more = el('button', { type: 'button', class: 'secondary' });
let items = [];
let cursor = null;

function render() {
  replace(box, items.length === 0 ? el('p', {}, t('tickets.empty')) : table(t('tickets.caption'),
    ['col_number', 'col_summary', 'col_service', 'col_customer', 'col_priority', 'col_status', 'col_created']
      .map((c) => t('queues.' + c)),
    items.map((x) => [ticketLink(x.id, x.number), x.summary, x.service?.name, x.customer?.name,
      'P' + x.priority, x.status, when(x.created_at)])), cursor ? more : null);
}

async function first() {
  try {
    const page = await api('GET', '/v1/tickets?limit=50');
    items = page.items;
    cursor = page.next_cursor;
    render();
    say(t('console.updated', { time: now() }));
  } catch (e) {
    sayError(e);
  }
}

more.addEventListener('click', async () => {
  try {
    const page = await api('GET', '/v1/tickets?limit=50&cursor=' + encodeURIComponent(cursor));
    items = items.concat(page.items);
    cursor = page.next_cursor;
    render();
  } catch (e) {
    sayError(e);
  }
});

const main = await start('tickets', 'tickets.title');
if (main) {
  more.textContent = t('console.more');
  main.append(el('p', {}, t('tickets.intro')), box);
  await first();
  live(first);
}
