// dead-letters.js - the integrator's dead letters (web/integrator/
// dead-letters.html): GET /v1/deliveries?state=dead, by supplier, each
// with the supplier's kept answer, replayed (POST /v1/deliveries/{id}/
// replay) or discarded (/discard, after a confirmation). Read again when
// the live stream says something changed.
import { start, t, el, replace, api, say, sayError, live, when, now, param, table, ticketLink } from './common.js';

const select = el('select', { id: 'kt-supplier', name: 'supplier' });
const box = el('div', { id: 'kt-dead' });

async function suppliers() {
  const page = await api('GET', '/v1/suppliers?limit=200');
  const want = param('supplier');
  replace(select, el('option', { value: '' }, t('dead.all')),
    page.items.map((s) => el('option', { value: s.key, selected: s.key === want || null },
      `${s.name} (${s.key})`)));
}

function answer(o) {
  if (!o) return t('console.none');
  return [o.http_status, o.code, o.body ? String(o.body).slice(0, 200) : null]
    .filter((v) => v !== undefined && v !== null).join(' · ');
}

function button(label, name, m, action) {
  const names = { operation: m.operation, ticket: m.ticket_number, supplier: m.supplier };
  const b = el('button', { type: 'button', class: name === 'discard' ? 'secondary' : null, 'aria-label': t(`dead.${name}_label`, names),
    'data-action': name, 'data-id': m.id }, label);
  b.addEventListener('click', () => action(m, names));
  return b;
}

async function act(m, names, what) {
  if (what === 'discard' && !confirm(t('dead.discard_confirm'))) return;
  try {
    await api('POST', `/v1/deliveries/${encodeURIComponent(m.id)}/${what}`);
    say(t(what === 'replay' ? 'dead.replayed' : 'dead.discarded', names));
    await refresh(false);
  } catch (e) {
    sayError(e);
  }
}

async function refresh(announce = true) {
  try {
    const q = select.value ? '&supplier=' + encodeURIComponent(select.value) : '';
    const page = await api('GET', '/v1/deliveries?state=dead&limit=200' + q);
    if (page.items.length === 0) {
      replace(box, el('p', {}, t('dead.empty')));
    } else {
      replace(box, table(t('dead.caption'),
        ['col_ticket', 'col_supplier', 'col_operation', 'col_attempts', 'col_outcome', 'col_when',
          'col_actions'].map((c) => t('dead.' + c)),
        page.items.map((m) => [ticketLink(m.ticket_id, m.ticket_number), m.supplier,
          `${m.operation} #${m.seq}`, String(m.attempts), answer(m.outcome), when(m.updated_at),
          el('span', { class: 'kt-buttons' },
            button(t('dead.replay'), 'replay', m, (x, n) => act(x, n, 'replay')),
            button(t('dead.discard'), 'discard', m, (x, n) => act(x, n, 'discard')))])));
    }
    if (announce) say(t('console.updated', { time: now() }));
  } catch (e) {
    sayError(e);
  }
}

select.addEventListener('change', () => {
  history.replaceState(null, '', select.value ? '?supplier=' + encodeURIComponent(select.value) : '?');
  refresh();
});

const main = await start('queues', 'dead.title');
if (main) {
  main.append(el('p', {}, t('dead.intro')),
    el('form', { class: 'kt-inline' }, el('label', { for: 'kt-supplier' }, t('dead.filter')), select), box);
  try {
    await suppliers();
  } catch (e) {
    sayError(e);
  }
  await refresh();
  live(() => refresh());
}
