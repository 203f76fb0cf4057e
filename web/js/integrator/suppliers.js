// suppliers.js - supplier health (web/integrator/suppliers.html): GET
// /v1/supplier-health per supplier: its circuit in the node that answered
// (each delivering node keeps its own; said above the table), backlog,
// oldest waiting message, dead letters, the last hour's calls, failures
// and 429s, and the last call. Read again on the live stream, and on the
// refresh button (a circuit changes without a database event).
import { start, t, el, replace, api, say, sayError, live, when, now, duration, table } from './common.js';

function circuit(state) {
  const name = state ?? 'none';
  return el('span', { class: 'kt-circuit kt-circuit-' + name }, t('suppliers.circuit_' + name));
}

function lastCall(c) {
  if (!c) return t('console.none');
  return t('suppliers.last_call', { kind: c.kind, status: c.http_status ?? '', time: when(c.at) });
}

async function refresh() {
  try {
    const h = await api('GET', '/v1/supplier-health');
    replace(node, t(h.node.delivers ? 'suppliers.intro' : 'suppliers.intro_nodeliver',
      { node: h.node.name }));
    if (h.items.length === 0) {
      replace(box, el('p', {}, t('suppliers.empty')));
    } else {
      replace(box, table(t('suppliers.caption'),
        ['col_supplier', 'col_circuit', 'col_backlog', 'col_oldest', 'col_dead', 'col_calls', 'col_failed',
          'col_limited', 'col_last'].map((c) => t('suppliers.' + c)),
        h.items.map((s) => [`${s.name} (${s.key})`, circuit(s.circuit), String(s.backlog),
          duration(s.oldest_pending_s),
          s.dead ? el('a', { href: '/integrator/dead-letters.html?supplier=' + encodeURIComponent(s.key) },
            String(s.dead)) : '0',
          String(s.last_hour.calls), String(s.last_hour.failed), String(s.last_hour.rate_limited),
          lastCall(s.last_call)])));
    }
    say(t('console.updated', { time: now() }));
  } catch (e) {
    sayError(e);
  }
}

const node = el('p', { id: 'kt-node' });
const box = el('div', { id: 'kt-health' });
const main = await start('suppliers', 'suppliers.title');
if (main) {
  const again = el('button', { type: 'button', class: 'secondary' }, t('console.refresh'));
  again.addEventListener('click', refresh);
  main.append(node, el('p', {}, again), box);
  await refresh();
  live(refresh, 1000);
}
