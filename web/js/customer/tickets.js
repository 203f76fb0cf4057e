// tickets.js - the customer's tickets (GET /v1/tickets) with search
// (summary or number) and filters (status, type, service), kept in the
// page's address so that a filtered list can be linked and reloaded.
import { get } from '../api.js';
import { el, replace, $ } from '../dom.js';
import { t } from '../i18n.js';
import { start, time, statusText, typeText, badge, showError } from './common.js';

const FILTERS = ['q', 'status', 'type', 'service'];
const STATUSES = ['new', 'assigned', 'in_progress', 'pending_customer', 'pending_supplier',
  'resolved', 'closed', 'cancelled'];
const TYPES = ['incident', 'request', 'change', 'problem'];
let cursor = null;

function query() {
  const p = new URLSearchParams();
  for (const name of FILTERS) {
    const v = $(`#${name}`).value.trim();
    if (v) p.set(name, v);
  }
  return p;
}

const row = (x) => el('tr', {},
  el('td', {}, el('a', { href: `/customer/ticket.html?id=${encodeURIComponent(x.id)}` }, x.number)),
  el('td', {}, x.summary),
  el('td', {}, badge('status', x.status, statusText(x.status))),
  el('td', {}, typeText(x.type)),
  el('td', {}, t(`priority.${x.priority}`)),
  el('td', {}, x.service?.name ?? ''),
  el('td', {}, time(x.updated_at)));

async function show(more) {
  const p = query();
  p.set('limit', '50');
  if (more && cursor) p.set('cursor', cursor);
  const body = $('#tickets tbody');
  $('#error').hidden = true;
  let page;
  try {
    page = await get(`/v1/tickets?${p}`);
  } catch (e) {
    showError($('#error'), e);
    return;
  }
  if (!more) replace(body);
  body.append(...page.items.map(row));
  cursor = page.next_cursor;
  $('#more').hidden = !cursor;
  const n = body.rows.length;
  $('#count').textContent = n === 0 ? t('tickets.none')
    : t(`tickets.shown${n === 1 ? '_one' : ''}${cursor ? '_more' : ''}`, { n });
}

if (await start('tickets')) {
  $('#status').append(...STATUSES.map((v) => el('option', { value: v }, statusText(v))));
  $('#type').append(...TYPES.map((v) => el('option', { value: v }, typeText(v))));
  try {
    const services = await get('/v1/status?limit=200');
    $('#service').append(...services.items.map((x) => el('option', { value: x.service.id }, x.service.name)));
  } catch (e) {
    showError($('#error'), e);
  }
  const given = new URLSearchParams(location.search);
  for (const name of FILTERS) if (given.has(name)) $(`#${name}`).value = given.get(name);
  $('#filters').addEventListener('submit', (e) => {
    e.preventDefault();
    history.replaceState(null, '', `?${query()}`);
    show(false);
  });
  $('#more').addEventListener('click', () => show(true));
  await show(false);
}
