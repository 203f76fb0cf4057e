// suppliers.js - supplier health (web/integrator/suppliers.html): GET
// /v1/supplier-health per supplier: its circuit in the node that answered
// (each delivering node keeps its own; said above the table), backlog,
// oldest waiting message, dead letters, the last hour's calls, failures
// and 429s, and the last call. Read again on the live stream, and on the
// refresh button (a circuit changes without a database event).
import { start, t, el, fill, api, say, sayError, live, when, duration, table } from './common.js';

function circuit(state) {
  const name = state ?? 'none';
  return el('span', { className: 'kt-circuit kt-circuit-' + name }, t('suppliers.circuit_' + name));
}

function lastCall(c) {
  if (!c) return t('common.none');
  return t('suppliers.last_call', { kind: c.kind, status: c.http_status ?? '', time: when(c.at) });
}

async function refresh() {
  try {
    const h = await api('GET', '/v1/supplier-health');
    fill(document.getElementById('kt-node'), t(h.node.delivers ? 'suppliers.intro' : 'suppliers.intro_nodeliver',
      { node: h.node.name }));
    const box = document.getElementById('kt-health');
    if (h.items.length === 0) {
      fill(box, el('p', {}, t('suppliers.empty')));
    } else {
      fill(box, el('div', { className: 'kt-scroll' }, table(t('suppliers.caption'),
        ['col_supplier', 'col_circuit', 'col_backlog', 'col_oldest', 'col_dead', 'col_calls', 'col_failed',
          'col_limited', 'col_last'].map((c) => t('suppliers.' + c)),
        h.items.map((s) => [`${s.name} (${s.key})`, circuit(s.circuit), String(s.backlog),
          duration(s.oldest_pending_s),
          s.dead ? el('a', { href: '/integrator/dead-letters.html?supplier=' + encodeURIComponent(s.key) },
            String(s.dead)) : '0',
          String(s.last_hour.calls), String(s.last_hour.failed), String(s.last_hour.rate_limited),
          lastCall(s.last_call)]))));
    }
    say(t('common.updated', { time: when(new Date().toISOString()) }));
  } catch (e) {
    sayError(e);
  }
}

document.getElementById('kt-refresh').addEventListener('click', refresh);

if (await start('suppliers', 'suppliers.title')) {
  await refresh();
  live(refresh, 1000);
}
