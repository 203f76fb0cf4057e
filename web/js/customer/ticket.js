// ticket.js - one ticket as its customer sees it (GET /v1/tickets/{id}):
// the one consolidated status, the facts, the SLA clocks' due times, the
// timeline with comments; add a comment; once resolved, confirm (close)
// or reopen with a reason. Follows the live stream (live.js) and reads
// the ticket again when it changed. A ticket that is not the caller's
// shows "not found" and nothing of it.
import { get, post } from '../api.js';
import { el, replace, $ } from '../dom.js';
import { t } from '../i18n.js';
import { connect } from '../live.js';
import { start, time, when, statusText, typeText, badge, showError } from './common.js';

const id = new URLSearchParams(location.search).get('id') || '';
const path = `/v1/tickets/${encodeURIComponent(id)}`;

const fact = (term, value) => [el('dt', {}, t(term)), el('dd', {}, value)];

function actorText(e) {
  const a = e.actor || '';
  if (a === 'supplier') return e.actor_name || t('actor.supplier');
  const kind = a.split(':')[0];
  return ['customer', 'integrator', 'broker', 'person'].includes(kind) ? t(`actor.${kind}`) : a;
}

function entry(e) {
  const what = [el('strong', {}, t(`event.${e.kind}`))];
  if (e.from && e.to) what.push(' ', t('event.from_to', { from: statusText(e.from), to: statusText(e.to) }));
  else if (e.status) what.push(' ', statusText(e.status));
  return el('li', {},
    el('p', { class: 'meta' }, time(e.occurred_at), ' · ', actorText(e)),
    el('p', {}, what),
    e.text ? el('p', { class: 'text' }, e.text) : null);
}

// The whole customer timeline: the ticket's first page, then the rest.
async function timeline(first) {
  const items = [...(first.timeline || [])];
  for (let cursor = first.timeline_next_cursor; cursor;) {
    const page = await get(`${path}/timeline?limit=200&cursor=${encodeURIComponent(cursor)}`);
    items.push(...page.items);
    cursor = page.next_cursor;
  }
  return items;
}

function sla(x) {
  const rows = [];
  for (const clock of ['response', 'resolution']) {
    const c = x.sla?.[clock];
    if (!c) continue;
    const value = c.state === 'met' || c.state === 'breached' ? t(`sla.${c.state}`, { at: when(c.stopped_at) })
      : c.state === 'paused' ? t('sla.paused') : t('sla.due', { at: when(c.due_at) });
    rows.push(...fact(`sla.${clock}`, el('span', { class: `sla-${c.state}` }, value)));
  }
  replace($('#sla'), rows);
  $('#sla-section').hidden = rows.length === 0;
}

function notFound() {
  $('#loading').hidden = true;
  $('#ticket').hidden = true;
  $('#notfound').hidden = false;
  document.title = t('ticket.notfound_title');
}

// Shows the ticket as it is now; false when it cannot be read.
async function show() {
  let x;
  let events;
  try {
    x = await get(path);
    events = await timeline(x);
  } catch (e) {
    if (e.status === 404) notFound();
    else showError($('#error'), e);
    return false;
  }
  $('#loading').hidden = true;
  document.title = `${x.number} – ${x.summary}`;
  $('#number').textContent = x.number;
  $('#summary').textContent = x.summary;
  replace($('#status-line'), t('ticket.status'), ' ', badge('status', x.status, statusText(x.status)));
  replace($('#facts'),
    fact('ticket.type', typeText(x.type)),
    fact('ticket.service', x.service?.name ?? ''),
    fact('ticket.priority', t(`priority.${x.priority}`)),
    fact('ticket.created', time(x.created_at)),
    fact('ticket.updated', time(x.updated_at)));
  sla(x);
  $('#description').textContent = x.description || t('ticket.no_description');
  $('#resolution').hidden = x.status !== 'resolved';
  $('#comment-section').hidden = x.status === 'closed' || x.status === 'cancelled';
  replace($('#timeline'), events.map(entry));
  $('#ticket').hidden = false;
  return true;
}

// Runs a state-changing call, then shows the ticket as it is now.
async function act(sub, body, done) {
  $('#error').hidden = true;
  try {
    await post(`${path}/${sub}`, body);
  } catch (e) {
    showError($('#error'), e);
    return;
  }
  done?.();
  await show();
}

// Reads the ticket again, one read at a time, whenever the stream tells
// of a change to it.
function follow() {
  let busy = false;
  let again = false;
  const refresh = async () => {
    if (busy) { again = true; return; }
    busy = true;
    do { again = false; await show(); } while (again);
    busy = false;
  };
  const state = $('#live');
  connect({
    ticket: (data) => { if (JSON.stringify(data).includes(id)) refresh(); },
    status: (on) => { state.textContent = t(on ? 'live.connected' : 'live.reconnecting'); },
  });
}

function listen(form, field, sub, key) {
  $(form).addEventListener('submit', (e) => {
    e.preventDefault();
    if (!e.target.reportValidity()) return;
    act(sub, { [key]: $(field).value }, () => { $(field).value = ''; });
  });
}

if (await start('ticket')) {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) {
    notFound();
  } else if (await show()) {
    $('#confirm').addEventListener('click', () => act('close'));
    listen('#reopen-form', '#reason', 'reopen', 'reason');
    listen('#comment-form', '#comment', 'comments', 'text');
    follow();
  }
}
