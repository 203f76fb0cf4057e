// sim-process.mjs - a supplier simulator of tests/sim/ as a child of a
// system test: started with the test certificates and a port file in the
// stack's folder, its output kept, found at the port it writes once it
// listens, its /_sim/ control API at hand, and stopped with SIGTERM. Used
// by lib/jira.mjs and lib/servicenow.mjs.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { certs, eventually, request } from './harness.mjs';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');

// Starts tests/sim/<name>-sim.mjs for stack st with args (beyond --cert,
// --tls-key and --port-file) and env (added to the test's); resolves
// {url, proc, log(), control(method, path, body)} once it listens, or
// throws with its output after ms.
export async function startSimProcess(st, name, args, env = {}, ms = 30000) {
  const portFile = path.join(st.dir, `${name}.port`);
  const proc = spawn(process.execPath, [path.join(ROOT, `tests/sim/${name}-sim.mjs`),
    '--cert', certs().cert, '--tls-key', certs().key, '--port-file', portFile, ...args],
  { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => { out += d; });
  const port = await eventually(() => { try { return readFileSync(portFile, 'utf8').trim(); } catch { return null; } },
    ms, `${name}-sim up (${out})`);
  const url = `https://127.0.0.1:${port}`;
  return { url, proc, log: () => out,
    async control(method, p, body) { return (await request(url, method, p, { body })).json; } };
}

// Stops sim (when there is one and it still runs), then stack st.
export async function stopSimProcess(st, sim) {
  if (sim && sim.proc.exitCode === null) {
    sim.proc.kill('SIGTERM');
    await new Promise((r) => sim.proc.once('exit', r));
  }
  if (st) await st.stop();
}
