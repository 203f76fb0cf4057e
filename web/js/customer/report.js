// report.js - report an incident or make a request (POST /v1/tickets):
// impact and urgency explained, and the priority that follows shown
// before sending, read from the API's own matrix (GET /v1/priorities).
import { get, post } from '../api.js';
import { el, $ } from '../dom.js';
import { t } from '../i18n.js';
import { start, showError } from './common.js';

let matrix = [];
let idempotencyKey = crypto.randomUUID();

const picked = (name) => document.querySelector(`input[name="${name}"]:checked`)?.value;
const level = (name) => Number(picked(name));

function showPriority() {
  const cell = matrix.find((m) => m.impact === level('impact') && m.urgency === level('urgency'));
  $('#priority').textContent = cell ? t(`priority.${cell.priority}`) : '';
}

function levels(name, values) {
  for (const v of values) {
    const id = `${name}-${v}`;
    const input = el('input', { type: 'radio', id, name, value: v, checked: v === 2,
      'aria-describedby': `${id}-help` });
    input.addEventListener('change', showPriority);
    $(`#${name}`).append(el('div', { class: 'choice' }, input,
      el('label', { for: id }, t(`${name}.${v}`)),
      el('p', { id: `${id}-help`, class: 'hint' }, t(`${name}.${v}.help`))));
  }
}

async function send(e) {
  e.preventDefault();
  if (!e.target.reportValidity()) return;
  $('#send').disabled = true;
  $('#error').hidden = true;
  try {
    const ticket = await post('/v1/tickets', {
      service: $('#service').value,
      type: picked('type'),
      summary: $('#summary').value.trim(),
      description: $('#description').value,
      impact: level('impact'),
      urgency: level('urgency'),
    }, { headers: { 'Idempotency-Key': idempotencyKey } });
    idempotencyKey = crypto.randomUUID();
    location.assign(`/customer/ticket.html?id=${encodeURIComponent(ticket.id)}`);
  } catch (err) {
    showError($('#error'), err);
  } finally {
    $('#send').disabled = false;
  }
}

if (await start('report')) {
  try {
    const [p, s] = await Promise.all([get('/v1/priorities'), get('/v1/status?limit=200')]);
    matrix = p.matrix;
    levels('impact', p.impact);
    levels('urgency', p.urgency);
    $('#service').append(...s.items.map((x) => el('option', { value: x.service.id }, x.service.name)));
    const want = new URLSearchParams(location.search).get('service');
    if (want) $('#service').value = want;
    showPriority();
  } catch (err) {
    showError($('#error'), err);
  }
  $('#report-form').addEventListener('submit', send);
}
