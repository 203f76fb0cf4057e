// services.js - a service's chain (web/integrator/services.html?service=): GET
// /v1/services/{id}/chain drawn as its component tree, each node with its
// kind, the supplier (by name, from GET /v1/suppliers) and contract that
// deliver it, its alternates and configuration items; and the SLA.
import { start, t, el, replace, api, sayError, when, param } from './common.js';

const select = el('select', { id: 'kt-service', name: 'service', required: true });
const box = el('div', { id: 'kt-chain' });
let names = {};

function node(c) {
  const supplier = c.supplier
    ? t('chain.supplier', { name: names[c.supplier] || c.supplier, key: c.supplier })
    : t('chain.no_supplier');
  const lines = [t('chain.kind', { kind: c.kind }), supplier];
  if (c.supplier) lines.push(c.contract ? t('chain.contract', { contract: c.contract }) : t('chain.no_contract'));
  if (c.alternates?.length) lines.push(t('chain.alternates', { list: c.alternates.join(', ') }));
  if (c.items?.length) lines.push(t('chain.items', { list: c.items.join(', ') }));
  return el('li', {},
    el('div', { class: 'kt-node' + (c.supplier ? ' kt-node-leaf' : '') },
      el('strong', {}, c.name), ' ', el('code', {}, c.key),
      el('ul', { class: 'kt-node-facts' }, lines.map((l) => el('li', {}, l)))),
    c.children?.length ? el('ul', { class: 'kt-tree' }, c.children.map(node)) : null);
}

function sla(doc) {
  if (!doc.sla) return el('p', {}, t('chain.no_sla'));
  return el('pre', { class: 'kt-text' }, JSON.stringify(doc.sla, null, 2));
}

async function show(id) {
  try {
    const v = await api('GET', `/v1/services/${encodeURIComponent(id)}/chain`);
    const doc = v.document;
    replace(box,
      el('h2', {}, t('chain.tree', { service: v.service.name })),
      el('p', {}, t('chain.version', { version: v.version, created: when(v.created_at) }), ' ',
        v.current ? t('chain.current') : ''),
      doc.default_component ? el('p', {}, t('chain.default', { key: doc.default_component })) : null,
      el('ul', { class: 'kt-tree kt-tree-root' }, (doc.components || []).map(node)),
      el('h2', {}, t('chain.sla')), sla(doc));
  } catch (e) {
    sayError(e);
  }
}

const main = await start('services', 'chain.title');
if (main) {
  const form = el('form', { class: 'kt-inline' },
    el('label', { for: 'kt-service' }, t('chain.service')), select,
    el('button', { type: 'submit' }, t('chain.show')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    history.replaceState(null, '', '?service=' + encodeURIComponent(select.value));
    show(select.value);
  });
  main.append(el('p', {}, t('chain.intro')), form, box);
  try {
    const [services, suppliers] = await Promise.all([api('GET', '/v1/services?limit=200'),
      api('GET', '/v1/suppliers?limit=200')]);
    names = Object.fromEntries(suppliers.items.map((s) => [s.key, s.name]));
    const want = param('service');
    replace(select, el('option', { value: '' }, t('chain.choose')),
      services.items.map((s) => el('option', { value: s.id, selected: s.id === want || s.key === want || null },
        `${s.name} (${s.key})`)));
    if (want) await show(want);
  } catch (e) {
    sayError(e);
  }
}
