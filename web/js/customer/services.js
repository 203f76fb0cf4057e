// services.js - the customer's services (GET /v1/status): each with its
// health (one of four levels) and its open incidents, which link to the
// service's open incidents in the ticket list.
import { get } from '../api.js';
import { el, replace, $ } from '../dom.js';
import { t } from '../i18n.js';
import { start, healthText, badge, showError } from './common.js';

const OPEN = 'new,assigned,in_progress,pending_customer,pending_supplier';

function card(x) {
  const q = new URLSearchParams({ service: x.service.id, type: 'incident', status: OPEN });
  const open = x.open_incidents === 0 ? t('services.none_open')
    : el('a', { href: `/customer/tickets.html?${q}` },
      t(x.open_incidents === 1 ? 'services.open_one' : 'services.open_many', { n: x.open_incidents }));
  return el('li', { class: `card health-${x.status}` },
    el('h2', {}, x.service.name),
    el('p', {}, t('services.health'), ' ', badge('health', x.status, healthText(x.status))),
    el('p', {}, open));
}

async function show() {
  const list = $('#services');
  const items = [];
  let cursor = null;
  try {
    do {
      const page = await get(`/v1/status?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      items.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor);
  } catch (e) {
    showError($('#error'), e);
  }
  replace(list, items.length ? items.map(card) : el('li', {}, t('services.empty')));
  list.setAttribute('aria-busy', 'false');
}

if (await start('services')) await show();
