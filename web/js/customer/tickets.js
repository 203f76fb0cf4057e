// tickets.js - the customer's tickets (GET /v1/tickets) with search
// (summary or number) and filters (status, type, service), kept in the
// page's address so that a filtered list can be linked and reloaded.
import { api, start, el, t, $, when, statusText, typeText, badge, showError } from './common.js';

const FILTERS = ['q', 'status', 'type', 'service'];
let cursor = null;

function query() {
  const p = new URLSearchParams();
  for (const name of FILTERS) {
    const v = $(`#${name}`).value.trim();
    if (v) p.set(name, v);
  }
  return p;
}

function row(x) {
  return el('tr', {},
    el('td', {}, el('a', { href: `/customer/ticket.html?id=${encodeURIComponent(x.id)}`, text: x.number })),
    el('td', { text: x.summary }),
    el('td', {}, badge('status', x.status, statusText(x.status))),
    el('td', { text: typeText(x.type) }),
    el('td', { text: t(`priority.${x.priority}`) }),
    el('td', { text: x.service?.name ?? '' }),
    el('td', {}, el('time', { datetime: x.updated_at, text: when(x.updated_at) })));
}

async function load(more) {
  const p = query();
  p.set('limit', '50');
  if (more && cursor) p.set('cursor', cursor);
  const body = $('#tickets tbody');
  const r = await api('GET', `/v1/tickets?${p}`);
  $('#error').hidden = true;
  if (r.status !== 200) {
    showError($('#error'), r);
    return;
  }
  if (!more) body.replaceChildren();
  body.append(...r.json.items.map(row));
  cursor = r.json.next_cursor;
  $('#more').hidden = !cursor;
  const n = body.rows.length;
  $('#count').textContent = n === 0 ? t('tickets.none')
    : t(`tickets.shown${n === 1 ? '_one' : ''}${cursor ? '_more' : ''}`, { n });
}

async function services() {
  const sel = $('#service');
  const r = await api('GET', '/v1/status?limit=200');
  if (r.status !== 200) return;
  sel.append(...r.json.items.map((x) => el('option', { value: x.service.id, text: x.service.name })));
}

if (await start()) {
  await services();
  const given = new URLSearchParams(location.search);
  for (const name of FILTERS) if (given.has(name)) $(`#${name}`).value = given.get(name);
  $('#filters').addEventListener('submit', (e) => {
    e.preventDefault();
    history.replaceState(null, '', `?${query()}`);
    load(false);
  });
  $('#more').addEventListener('click', () => load(true));
  await load(false);
}
