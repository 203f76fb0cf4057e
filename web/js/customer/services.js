// services.js - the customer's services (GET /v1/status): each with its
// health (one of four levels) and its open incidents, which link to the
// service's open incidents in the ticket list.
import { api, start, el, t, $, healthText, badge, showError } from './common.js';

const OPEN = 'new,assigned,in_progress,pending_customer,pending_supplier';

async function load() {
  const list = $('#services');
  const items = [];
  let cursor = null;
  do {
    const r = await api('GET', `/v1/status?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (r.status !== 200) {
      showError($('#error'), r);
      list.setAttribute('aria-busy', 'false');
      return;
    }
    items.push(...r.json.items);
    cursor = r.json.next_cursor;
  } while (cursor);
  list.replaceChildren(...items.map((x) => {
    const q = new URLSearchParams({ service: x.service.id, type: 'incident', status: OPEN });
    return el('li', { class: `card health-${x.status}` },
      el('h2', { text: x.service.name }),
      el('p', {}, el('span', { class: 'label', text: t('services.health') }), ' ',
        badge('health', x.status, healthText(x.status))),
      el('p', {}, x.open_incidents === 0 ? t('services.none_open')
        : el('a', { href: `/customer/tickets.html?${q}` },
          t(x.open_incidents === 1 ? 'services.open_one' : 'services.open_many',
            { n: x.open_incidents }))));
  }));
  if (items.length === 0) list.replaceChildren(el('li', { text: t('services.empty') }));
  list.setAttribute('aria-busy', 'false');
}

if (await start()) await load();
