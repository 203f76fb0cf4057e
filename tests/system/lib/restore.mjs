// restore.mjs - what the restore suites share (reconcile, restore-hold):
// posting a ticket as acme, counting linked legs, a database backed up
// with pg_dump and restored in place with pg_restore, reconcile's settings.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { psql, closeDatabase, certs } from './harness.mjs';
import { ticketBody } from './tickets.mjs';

const pgTool = (tool, args) => execFileSync(tool, ['-h', process.env.KETEN_TEST_PGHOST, '-U', 'postgres',
  ...args], { encoding: 'utf8' });

// A ticket of acme posted at node (a stack or a startNode handle): its id.
export async function post(node, s, summary) {
  const r = await node.api('POST', '/v1/tickets', { key: s.keys.acme, body: ticketBody(s, { summary }) });
  assert.equal(r.status, 201, r.text);
  return r.json.id;
}

// How many legs of the tickets ids are linked to a supplier ticket.
export const linked = async (s, ids) => Number(await psql(s.db, `SELECT count(*) FROM legs
  WHERE ticket_id IN (${ids.map((i) => `'${i}'`).join(',')}) AND external_id IS NOT NULL`));

// pg_dump of stack s's database; returns the dump's path.
export function backup(s) {
  const dump = path.join(s.dir, 'backup.dump');
  pgTool('pg_dump', ['-Fc', '-d', s.db, '-f', dump]);
  return dump;
}

// Replaces stack s's database by the dump (no broker may be connected).
export async function restore(s, dump) {
  await closeDatabase(s.db);
  await psql('postgres', `DROP DATABASE ${s.db} WITH (FORCE)`);
  await psql('postgres', `CREATE DATABASE ${s.db}`);
  pgTool('pg_restore', ['-d', s.db, dump]);
}

// What `keten reconcile` runs with: a node's settings, with the suppliers'
// secrets and CA, for it asks each supplier for its tickets.
export const reconcileEnv = (s) => ({ ...s.env, KETEN_SECRET_NETCO: s.secrets.netco,
  KETEN_SECRET_HOSTCO: s.secrets.hostco, KETEN_SUPPLIER_CA: certs().ca });
