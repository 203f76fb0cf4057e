// reports.js - reports as charts (web/integrator/reports.html): a
// service's availability and MTRS per UTC day (GET /v1/reports/services/
// {id}/daily) and the breached legs per supplier (GET /v1/reports/
// suppliers/{id}) over a period, drawn with uPlot (web/vendor/uplot), each
// chart followed by a table of its numbers for keyboards and screen
// readers.
import uPlot from '/vendor/uplot/dist/uPlot.esm.js';
import { start, t, el, replace, api, say, sayError, now, param, table } from './common.js';

const box = el('div', { id: 'kt-charts' });
let form = null;
const DAY = 86400 * 1000;
const iso = (ms) => new Date(ms).toISOString().slice(0, 10);

function width(box) {
  return Math.max(280, Math.min(900, box.clientWidth || 600));
}

// A figure: its title, the chart (hidden from screen readers, which read
// the table) and the table of its numbers.
function figure(title, numbers) {
  const plot = el('div', { class: 'kt-chart', role: 'img', 'aria-label': t('reports.chart_label', { title }) });
  return { plot, node: el('figure', {}, el('figcaption', {}, el('h2', {}, title)), plot,
    el('details', {}, el('summary', {}, t('reports.numbers')), numbers)) };
}

function lineChart(box, title, xs, ys, label, range) {
  return new uPlot({ title: '', width: width(box), height: 240,
    scales: { x: { time: true }, y: range ? { range } : {} },
    series: [{}, { label, stroke: '#1f5fa8', width: 2, fill: 'rgba(31,95,168,0.08)', spanGaps: false }],
    axes: [{}, { size: 60 }] }, [xs, ys], box);
}

function barChart(box, labels, ys, label) {
  const xs = labels.map((_, i) => i);
  return new uPlot({ width: width(box), height: 240,
    scales: { x: { time: false, range: [-0.5, labels.length - 0.5] }, y: { range: [0, Math.max(1, ...ys)] } },
    series: [{}, { label, stroke: '#8a3b12', fill: 'rgba(138,59,18,0.35)',
      paths: uPlot.paths.bars({ size: [0.6, 80] }), points: { show: false } }],
    axes: [{ values: (u, v) => v.map((i) => labels[i] ?? ''), splits: () => xs }, { size: 50 }] },
  [xs, ys], box);
}

async function daily(id, from, to, box) {
  const r = await api('GET', `/v1/reports/services/${encodeURIComponent(id)}/daily?from=${from}&to=${to}`);
  const xs = r.days.map((d) => Date.parse(d.from) / 1000);
  const avail = r.days.map((d) => d.availability.availability_pct);
  const mtrs = r.days.map((d) => (d.availability.mtrs_s === null ? null
    : Math.round(d.availability.mtrs_s / 36) / 100));
  const numbers = table(t('reports.numbers'), ['col_day', 'col_availability', 'col_mtrs', 'col_downtime']
    .map((c) => t('reports.' + c)), r.days.map((d, i) => [d.from.slice(0, 10),
    avail[i] === null ? t('console.none') : String(avail[i]),
    mtrs[i] === null ? t('console.none') : String(mtrs[i]),
    String(Math.round(d.availability.downtime_s / 60))]));
  const a = figure(t('reports.availability'), numbers);
  const m = figure(t('reports.mtrs'), numbers.cloneNode(true));
  box.append(a.node, m.node);
  lineChart(a.plot, t('reports.availability'), xs, avail, t('reports.col_availability'), [0, 100]);
  lineChart(m.plot, t('reports.mtrs'), xs, mtrs, t('reports.col_mtrs'));
}

async function breaches(from, to, box) {
  const sups = (await api('GET', '/v1/suppliers?limit=200')).items;
  const reports = await Promise.all(sups.map((s) =>
    api('GET', `/v1/reports/suppliers/${encodeURIComponent(s.id)}?from=${from}&to=${to}`)));
  const labels = sups.map((s) => s.key);
  const ys = reports.map((r) => r.breached.legs);
  const b = figure(t('reports.breaches'), table(t('reports.breaches'),
    ['col_supplier', 'col_breached', 'col_legs'].map((c) => t('reports.' + c)),
    reports.map((r, i) => [`${sups[i].name} (${sups[i].key})`, String(ys[i]), String(r.legs)])));
  box.append(b.node);
  barChart(b.plot, labels, ys, t('reports.col_breached'));
}

async function show() {
  replace(box);
  const service = form.elements.service.value, from = form.elements.from.value, to = form.elements.to.value;
  history.replaceState(null, '', `?service=${encodeURIComponent(service)}&from=${from}&to=${to}`);
  try {
    if (service) await daily(service, from, to, box);
    await breaches(from, to, box);
    say(t('console.updated', { time: now() }));
  } catch (e) {
    sayError(e);
  }
}

const main = await start('reports', 'reports.title');
if (main) {
  form = el('form', { class: 'kt-inline kt-period' },
    el('label', { for: 'kt-service' }, t('reports.service')), el('select', { id: 'kt-service', name: 'service' }),
    el('label', { for: 'kt-from' }, t('reports.from')),
    el('input', { id: 'kt-from', name: 'from', type: 'date', required: true }),
    el('label', { for: 'kt-to' }, t('reports.to')),
    el('input', { id: 'kt-to', name: 'to', type: 'date', required: true }),
    el('button', { type: 'submit' }, t('reports.show')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    show();
  });
  main.append(el('p', {}, t('reports.intro')), form, box);
  const today = Math.floor(Date.now() / DAY) * DAY;
  form.elements.from.value = param('from') || iso(today - 30 * DAY);
  form.elements.to.value = param('to') || iso(today + DAY);
  try {
    const services = await api('GET', '/v1/services?limit=200');
    const want = param('service');
    replace(form.elements.service, services.items.map((s) => el('option',
      { value: s.id, selected: s.id === want || s.key === want || null }, `${s.name} (${s.key})`)));
    await show();
  } catch (e) {
    sayError(e);
  }
}
