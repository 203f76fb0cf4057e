// mapping.test.mjs - the rt mapping's two checkers agree: the published
// JSON Schema (schemas/adapters/rt.json, through ajv, draft 2020-12) and
// the adapter's check_mapping (through tests/rt/rt-driver) give the same
// verdict on each mapping below, and the mapping the RT suite uses passes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { adapter, mapping } from './lib.mjs';

const ROOT = path.resolve(import.meta.dirname, '../..');
const schema = JSON.parse(readFileSync(path.join(ROOT, 'schemas/adapters/rt.json'), 'utf8'));
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);

const base = { queues: { incident: 'Q' }, reference_field: 'R', integration_user: 'keten' };
const cases = [
  ['the suite\'s', mapping, true],
  ['the smallest', base, true],
  ['all keys', { ...base, queues: { incident: 'Service Desk', request: 'Requests', change: 'C', problem: 'P' },
    requestor: 'desk@example.org', priority: { 1: 100, 5: 0 }, status_out: { cancelled: 'withdrawn' },
    status_in: { escalated: 'in_progress', 'on hold': 'pending_supplier' },
    comments: { customer: 'comment', integrator: 'correspond', supplier: 'comment' }, page_size: 100,
    rate_limit: { reset_header: 'X-RateLimit-Reset', format: 'delta' } }, true],
  ['unicode names', { ...base, queues: { incident: 'Störungen ✓' } }, true],
  ['not an object', [], false],
  ['empty', {}, false],
  ['no queues', { reference_field: 'R', integration_user: 'k' }, false],
  ['no queue at all', { ...base, queues: {} }, false],
  ['an unknown type', { ...base, queues: { outage: 'O' } }, false],
  ['a quote in a queue', { ...base, queues: { incident: "a'b" } }, false],
  ['a bracket in a queue', { ...base, queues: { incident: 'a[b' } }, false],
  ['a backslash in a queue', { ...base, queues: { incident: 'a\\b' } }, false],
  ['a newline in a queue', { ...base, queues: { incident: 'a\nb' } }, false],
  ['a long queue name', { ...base, queues: { incident: 'q'.repeat(201) } }, false],
  ['a queue name of 200', { ...base, queues: { incident: 'q'.repeat(200) } }, true],
  ['a brace in the field', { ...base, reference_field: 'Ref}' }, false],
  ['no reference field', { queues: { incident: 'Q' }, integration_user: 'k' }, false],
  ['an empty user', { ...base, integration_user: '' }, false],
  ['an unknown key', { ...base, colour: 'red' }, false],
  ['priority 0', { ...base, priority: { 0: 1 } }, false],
  ['a negative priority', { ...base, priority: { 2: -1 } }, false],
  ['a fractional priority', { ...base, priority: { 2: 1.5 } }, false],
  ['status_out of no status', { ...base, status_out: { open: 'open' } }, false],
  ['status_out to a number', { ...base, status_out: { new: 3 } }, false],
  ['status_in to no status', { ...base, status_in: { stalled: 'waiting' } }, false],
  ['status_in from a quote', { ...base, status_in: { "it's": 'new' } }, false],
  ['a comment kind', { ...base, comments: { customer: 'public' } }, false],
  ['a comment author', { ...base, comments: { agent: 'comment' } }, false],
  ['page size 0', { ...base, page_size: 0 }, false],
  ['page size 101', { ...base, page_size: 101 }, false],
  ['rate limit without header', { ...base, rate_limit: { format: 'epoch' } }, false],
  ['rate limit format', { ...base, rate_limit: { reset_header: 'X', format: 'hours' } }, false],
  ['rate limit header', { ...base, rate_limit: { reset_header: 'X: Y' } }, false],
];

for (const [name, m, ok] of cases) {
  test(`mapping: ${name}`, () => {
    const schemaOk = validate(m);
    const out = adapter('check', { mapping: m });
    assert.equal(schemaOk, ok, `schema: ${JSON.stringify(validate.errors)}`);
    assert.equal(out.ok === true, ok, `check_mapping: ${JSON.stringify(out.error)}`);
    if (!ok) {
      assert.equal(out.error.code, 'invalid_mapping');
      assert.ok(out.error.details.length > 0);
    }
  });
}
