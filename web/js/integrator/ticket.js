// ticket.js - one ticket for the integrator (web/integrator/ticket.html
// ?id=): its facts, every leg per supplier with the delivery of its latest
// message, every message to its suppliers (GET /v1/tickets/{id}/
// deliveries), the whole timeline, and the actions: route by hand (a component
// of the ticket's chain version or suppliers), cancel, close, reopen. Read
// again when the live stream says something changed.
import { start, t, el, replace, api, say, sayError, live, when, param, table } from './common.js';

const id = param('id');
let ticket = null;
let targets = null;   // route choices: [{value, label, body}]

function fact(label, value) {
  return [el('dt', {}, label), el('dd', {}, value ?? t('console.none'))];
}

function facts(x) {
  return el('section', { 'aria-labelledby': 'kt-facts-h' },
    el('h2', { id: 'kt-facts-h' }, t('ticket.facts')),
    el('dl', { class: 'kt-facts' },
      fact(t('ticket.status'), x.status),
      fact(t('ticket.own_status'), x.own_status),
      fact(t('ticket.type'), x.type),
      fact(t('ticket.priority'), t('ticket.priority_value', x)),
      fact(t('ticket.service'), x.service?.name),
      fact(t('ticket.customer'), x.customer?.name),
      fact(t('ticket.component'), x.component_key),
      fact(t('ticket.created'), when(x.created_at)),
      fact(t('ticket.hops'), String(x.hops ?? 0)),
      fact(t('ticket.needs_triage'), t(x.needs_triage ? 'console.yes' : 'console.no')),
      fact(t('ticket.escalated'), x.escalated ? when(x.escalated_at) : t('console.no')),
      fact(t('ticket.response_due'), when(x.sla?.response?.due_at)),
      fact(t('ticket.resolution_due'), when(x.sla?.resolution?.due_at))),
    el('h3', {}, t('ticket.description')),
    el('p', { class: 'kt-text' }, x.description));
}

function outcome(o) {
  if (!o) return t('console.none');
  return [o.kind, o.http_status, o.code].filter((v) => v !== undefined && v !== null).join(' · ');
}

function legs(x) {
  const rows = x.legs.map((l) => [
    l.supplier ? `${l.supplier.name} (${l.supplier.key})` : t('ticket.triage_leg'),
    l.component_key ?? t('console.none'),
    l.ended ? `${l.status} (${t('ticket.ended', { why: l.ended })})` : l.status,
    l.external_id ?? t('console.none'),
    l.delivery ? `${l.delivery.operation} #${l.delivery.seq}: ${l.delivery.state}` : t('console.none'),
    String(l.delivery?.attempts ?? 0),
    outcome(l.delivery?.outcome),
    l.delivery?.state === 'pending' ? when(l.delivery.due_at) : t('console.none'),
  ]);
  return el('section', { 'aria-labelledby': 'kt-legs-h' },
    el('h2', { id: 'kt-legs-h' }, t('ticket.legs')),
    rows.length === 0 ? el('p', {}, t('ticket.no_legs')) : table(t('ticket.legs_caption'),
      ['col_supplier', 'col_component', 'col_leg_status', 'col_external', 'col_delivery',
        'col_attempts', 'col_outcome', 'col_due'].map((c) => t('ticket.' + c)), rows));
}

// Every message to the suppliers of the ticket's legs, newest first.
function messages(items, x) {
  const supplierOf = Object.fromEntries(x.legs.map((l) => [l.id, l.supplier]));
  return el('section', { 'aria-labelledby': 'kt-messages-h' },
    el('h2', { id: 'kt-messages-h' }, t('ticket.messages')),
    items.length === 0 ? el('p', {}, t('ticket.no_messages')) : table(t('ticket.messages_caption'),
      ['col_supplier', 'col_call', 'col_delivery', 'col_attempts', 'col_outcome', 'col_updated']
        .map((c) => t('ticket.' + c)),
      items.map((m) => {
        const sup = supplierOf[m.leg_id];
        return [sup ? `${sup.name} (${sup.key})` : m.supplier ?? t('console.none'),
          `${m.operation} #${m.seq}`, m.blocked ? `${m.state} (${t('ticket.blocked')})` : m.state,
          String(m.attempts), outcome(m.outcome), when(m.updated_at)];
      })));
}

// A form of one action: a reason field when asked, a submit button; on
// submit, POSTs body(reason) to path and says done.
function actionForm(name, { path, withReason, reasonRequired, extra, body, done }) {
  const reasonId = `kt-${name}-reason`;
  const form = el('form', { class: 'kt-action', 'aria-labelledby': `kt-${name}-h` },
    el('h3', { id: `kt-${name}-h` }, t(`ticket.${name}`)),
    extra || null,
    withReason ? [el('label', { for: reasonId }, t('ticket.reason')),
      el('textarea', { id: reasonId, name: 'reason', rows: 2, maxlength: 1000,
        required: reasonRequired || null })] : null,
    el('button', { type: 'submit' }, t(`ticket.${name}_submit`)));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const reason = withReason ? form.elements.reason.value.trim() : '';
    try {
      await api('POST', `/v1/tickets/${encodeURIComponent(id)}/${path}`, body(reason, form));
      form.reset();
      say(t(`ticket.${done}`));
      await load();
    } catch (e) {
      sayError(e);
    }
  });
  return form;
}

// The components of the ticket's chain version and every supplier, as
// route choices.
async function routeTargets(x) {
  const out = [];
  try {
    const chain = await api('GET', `/v1/services/${x.service.id}/chain?version=${x.chain_version}`);
    const walk = (c) => {
      out.push({ value: 'c:' + c.key, label: c.supplier
        ? t('ticket.route_component', { name: c.name, key: c.key, supplier: c.supplier })
        : t('ticket.route_component_nosupplier', { name: c.name, key: c.key }),
      body: { component: c.key } });
      (c.children || []).forEach(walk);
    };
    (chain.document.components || []).forEach(walk);
  } catch (e) {
    sayError(e);
  }
  try {
    const sups = await api('GET', '/v1/suppliers?limit=200');
    for (const s of sups.items) {
      out.push({ value: 's:' + s.key, label: t('ticket.route_supplier', { name: s.name, key: s.key }),
        body: { suppliers: [s.key] } });
    }
  } catch (e) {
    sayError(e);
  }
  return out;
}

function actions() {
  const select = el('select', { id: 'kt-route-to', name: 'target', required: true },
    targets.map((c) => el('option', { value: c.value }, c.label)));
  const open = !['closed', 'cancelled'].includes(ticket.own_status);
  return el('section', { 'aria-labelledby': 'kt-actions-h', class: 'kt-actions' },
    el('h2', { id: 'kt-actions-h' }, t('ticket.actions')),
    open ? actionForm('route', { path: 'route', withReason: true, reasonRequired: true, done: 'routed',
      extra: [el('label', { for: 'kt-route-to' }, t('ticket.route_to')), select],
      body: (reason, form) => ({ ...targets.find((c) => c.value === form.elements.target.value).body,
        reason }) }) : null,
    open ? actionForm('cancel', { path: 'cancel', withReason: true, done: 'cancelled',
      body: (reason) => (reason ? { reason } : {}) }) : null,
    ticket.status === 'resolved' ? actionForm('close', { path: 'close', done: 'closed',
      body: () => undefined }) : null,
    ['resolved', 'closed'].includes(ticket.status) ? actionForm('reopen', { path: 'reopen',
      withReason: true, reasonRequired: true, done: 'reopened', body: (reason) => ({ reason }) }) : null);
}

function eventItem(e) {
  const detail = [e.from && e.to ? `${e.from} → ${e.to}` : null, e.status, e.text,
    e.data?.reason].filter(Boolean).join(' · ');
  return el('li', {},
    el('time', { datetime: e.occurred_at }, when(e.occurred_at)), ' ',
    el('strong', {}, e.kind), ' ', e.actor,
    e.person?.name ? ` (${e.person.name})` : null,
    detail ? el('span', { class: 'kt-text' }, ' — ', detail) : null,
    el('span', { class: 'kt-meta' }, ' ',
      e.visibility ? t('ticket.timeline_visibility', { visibility: e.visibility }) : '',
      e.holder ? ' · ' + t('ticket.timeline_holder', { holder: e.holder }) : ''));
}

async function timeline(first) {
  const list = el('ol', { class: 'kt-timeline' }, first.timeline.map(eventItem));
  const section = el('section', { 'aria-labelledby': 'kt-timeline-h' },
    el('h2', { id: 'kt-timeline-h' }, t('ticket.timeline')), list);
  let cursor = first.timeline_next_cursor;
  const more = el('button', { type: 'button' }, t('console.more'));
  more.addEventListener('click', async () => {
    try {
      const page = await api('GET', `/v1/tickets/${encodeURIComponent(id)}/timeline?limit=200&cursor=` +
        encodeURIComponent(cursor));
      page.items.forEach((e) => list.appendChild(eventItem(e)));
      cursor = page.next_cursor;
      if (!cursor) more.remove();
    } catch (e) {
      sayError(e);
    }
  });
  if (cursor) section.appendChild(more);
  return section;
}

const body = el('div', { id: 'kt-ticket' });

async function load() {
  try {
    ticket = await api('GET', `/v1/tickets/${encodeURIComponent(id)}`);
  } catch (e) {
    sayError(e);
    return;
  }
  if (!targets) targets = await routeTargets(ticket);
  const title = `${t('ticket.title', { number: ticket.number })}: ${ticket.summary}`;
  replace(document.getElementById('kt-title'), title);
  document.title = `${title} · ${t('app.name')}`;
  const sent = await api('GET', `/v1/tickets/${encodeURIComponent(id)}/deliveries?limit=200`);
  replace(body, facts(ticket), legs(ticket), messages(sent.items, ticket), actions(), await timeline(ticket));
}

const main = await start('tickets', 'ticket.title');
if (main) {
  main.append(body);
  if (!id) {
    say(t('ticket.missing'), true);
  } else {
    await load();
    live(async () => {
      // A form being filled in is not swept away by someone else's change.
      if (document.activeElement?.closest('form')) return;
      await load();
    });
  }
}
