// ticket.js - one ticket as its customer sees it (GET /v1/tickets/{id}):
// the one consolidated status, the facts, the SLA clocks' due times, the
// timeline with comments; add a comment; once resolved, confirm (close)
// or reopen with a reason. Follows the live stream (GET /v1/stream) and
// reads the ticket again when it changed. A ticket that is not the
// caller's shows "not found" and nothing of it.
import { api, start, el, t, $, when, statusText, typeText, badge, showError } from './common.js';

const id = new URLSearchParams(location.search).get('id') || '';

function fact(term, value) {
  return [el('dt', { text: t(term) }), el('dd', {}, value)];
}

function actorText(e) {
  const a = e.actor || '';
  if (a === 'supplier') return e.actor_name || t('actor.supplier');
  const kind = a.split(':')[0];
  return ['customer', 'integrator', 'broker', 'person'].includes(kind) ? t(`actor.${kind}`) : a;
}

function entry(e) {
  const what = [el('strong', { text: t(`event.${e.kind}`) })];
  if (e.from && e.to) {
    what.push(' ', t('event.from_to', { from: statusText(e.from), to: statusText(e.to) }));
  } else if (e.status) {
    what.push(' ', statusText(e.status));
  }
  return el('li', {},
    el('p', { class: 'meta' },
      el('time', { datetime: e.occurred_at, text: when(e.occurred_at) }), ' · ', actorText(e)),
    el('p', {}, what),
    e.text ? el('p', { class: 'text', text: e.text }) : null);
}

async function timeline(first) {
  const items = [...(first.timeline || [])];
  let cursor = first.timeline_next_cursor;
  while (cursor) {
    const r = await api('GET', `/v1/tickets/${encodeURIComponent(id)}/timeline?limit=200&cursor=${encodeURIComponent(cursor)}`);
    if (r.status !== 200) break;
    items.push(...r.json.items);
    cursor = r.json.next_cursor;
  }
  return items;
}

function sla(x) {
  const rows = [];
  for (const clock of ['response', 'resolution']) {
    const c = x.sla?.[clock];
    if (!c) continue;
    let value;
    if (c.state === 'met' || c.state === 'breached') value = t(`sla.${c.state}`, { at: when(c.stopped_at) });
    else if (c.state === 'paused') value = t('sla.paused');
    else value = t('sla.due', { at: when(c.due_at) });
    rows.push(...fact(`sla.${clock}`, el('span', { class: `sla-${c.state}` }, value)));
  }
  $('#sla').replaceChildren(...rows);
  $('#sla-section').hidden = rows.length === 0;
}

async function show() {
  const r = await api('GET', `/v1/tickets/${encodeURIComponent(id)}`);
  $('#loading').hidden = true;
  if (r.status === 404 || r.status === 400) {
    $('#ticket').hidden = true;
    $('#notfound').hidden = false;
    document.title = t('ticket.notfound_title');
    return false;
  }
  if (r.status !== 200) {
    $('#ticket').hidden = false;
    showError($('#error'), r);
    return false;
  }
  const x = r.json;
  document.title = `${x.number} - ${x.summary}`;
  $('#number').textContent = x.number;
  $('#summary').textContent = x.summary;
  $('#status-line').replaceChildren(t('ticket.status'), ' ', badge('status', x.status, statusText(x.status)));
  $('#facts').replaceChildren(
    ...fact('ticket.type', typeText(x.type)),
    ...fact('ticket.service', x.service?.name ?? ''),
    ...fact('ticket.priority', t(`priority.${x.priority}`)),
    ...fact('ticket.created', el('time', { datetime: x.created_at, text: when(x.created_at) })),
    ...fact('ticket.updated', el('time', { datetime: x.updated_at, text: when(x.updated_at) })));
  sla(x);
  $('#description').textContent = x.description || t('ticket.no_description');
  $('#resolution').hidden = x.status !== 'resolved';
  $('#comment-section').hidden = x.status === 'closed' || x.status === 'cancelled';
  $('#timeline').replaceChildren(...(await timeline(x)).map(entry));
  $('#ticket').hidden = false;
  return true;
}

// Runs a state-changing call, then shows the ticket as it is now.
async function act(method, path, body, done) {
  $('#error').hidden = true;
  const r = await api(method, path, body);
  if (r.status === 200 || r.status === 201) {
    if (done) done();
    await show();
  } else {
    showError($('#error'), r);
  }
}

// Reads the ticket again (at most once at a time) when the stream says
// something changed that may be this ticket.
function follow() {
  let busy = false;
  let again = false;
  const refresh = async () => {
    if (busy) { again = true; return; }
    busy = true;
    do { again = false; await show(); } while (again);
    busy = false;
  };
  const stream = new EventSource('/v1/stream', { withCredentials: true });
  const onEvent = (ev) => { if (!ev.data || ev.data.includes(id)) refresh(); };
  stream.addEventListener('message', onEvent);
  stream.addEventListener('ticket', onEvent);
}

if (await start()) {
  const found = /^[0-9a-f-]{36}$/i.test(id) && await show();
  if (!found && !/^[0-9a-f-]{36}$/i.test(id)) {
    $('#loading').hidden = true;
    $('#notfound').hidden = false;
  }
  if (found) {
    const path = `/v1/tickets/${encodeURIComponent(id)}`;
    $('#confirm').addEventListener('click', () => act('POST', `${path}/close`));
    $('#reopen-form').addEventListener('submit', (e) => {
      e.preventDefault();
      if (!e.target.reportValidity()) return;
      act('POST', `${path}/reopen`, { reason: $('#reason').value }, () => { $('#reason').value = ''; });
    });
    $('#comment-form').addEventListener('submit', (e) => {
      e.preventDefault();
      if (!e.target.reportValidity()) return;
      act('POST', `${path}/comments`, { text: $('#comment').value }, () => { $('#comment').value = ''; });
    });
    follow();
  }
}
