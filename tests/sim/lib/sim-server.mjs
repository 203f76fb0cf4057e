// sim-server.mjs - the HTTPS scaffolding a supplier simulator needs beside
// its own API: the command line every simulator shares (--cert, --tls-key,
// --listen, --port-file, --help, plus its own options), a server that
// reads each request's body (bounded) and sends what the simulator's
// handler answers, the port file written atomically once it listens, a
// stop on SIGTERM/SIGINT, JSON lines on stdout, and a JSON POST to the
// broker trusting one CA. Used by tmf621-sim.mjs, jira-sim.mjs, topdesk-sim.mjs,
// servicenow-sim.mjs and supplier-sim.mjs.
import fs from 'node:fs';
import https from 'node:https';
import { parseArgs } from 'node:util';

// The simulator's flags: the shared ones and options (node:util parseArgs
// options), or exit 2 with usage (lines of text) on anything wrong.
export function simCommandLine(name, usage, options) {
	const fail = (msg) => {
		process.stderr.write(`${msg ? `${name}: ${msg}\n` : ''}${usage.join('\n')}\n`);
		process.exit(2);
	};
	let values;
	try {
		({ values } = parseArgs({ strict: true, options: {
			cert: { type: 'string' }, 'tls-key': { type: 'string' },
			listen: { type: 'string', default: '127.0.0.1:0' }, 'port-file': { type: 'string' },
			help: { type: 'boolean', short: 'h' }, ...options } }));
	} catch (e) {
		fail(e.message);
	}
	if (values.help) fail('');
	if (!values.cert || !values['tls-key']) fail('--cert FILE and --tls-key FILE are required');
	const where = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(values.listen);
	if (!where || Number(where[3]) > 65535) fail(`--listen wants HOST:PORT, got ${JSON.stringify(values.listen)}`);
	let tls;
	try {
		tls = { cert: fs.readFileSync(values.cert), key: fs.readFileSync(values['tls-key']) };
	} catch (e) {
		fail(e.message);
	}
	return { args: values, tls, host: where[1] ?? where[2], port: Number(where[3]), fail };
}

// A logger of JSON lines {ts, sim, event, ...fields}.
export const simLog = (sim) => (event, fields = {}) =>
	process.stdout.write(`${JSON.stringify({ ts: new Date().toISOString(), sim, event, ...fields })}\n`);

// The text of req's body, or null past limit bytes or on a broken read.
export function simReadBody(req, limit = 1024 * 1024) {
	return new Promise((resolve) => {
		const chunks = [];
		let size = 0;
		req.on('data', (c) => {
			size += c.length;
			if (size <= limit) chunks.push(c);
		});
		req.on('end', () => resolve(size > limit ? null : Buffer.concat(chunks).toString('utf8')));
		req.on('error', () => resolve(null));
	});
}

// Sends answer {status, body?, headers?, contentType?} on res: body as
// JSON (none for 204), typed contentType or application/json; nothing when
// res was answered or closed already.
export function simSend(res, { status, body, headers = {}, contentType = 'application/json' }) {
	if (res.headersSent || res.destroyed) return;
	const out = body === undefined || status === 204 ? '' : JSON.stringify(body);
	const all = { ...headers, 'content-length': Buffer.byteLength(out) };
	if (out) all['content-type'] = contentType;
	res.writeHead(status, all);
	res.end(out);
}

// An HTTPS server over cl's TLS that hands each request to onRequest(req,
// res), listening on cl's address: writes the port to cl.args['port-file']
// once listening (logging listening with the port and the fields given),
// logs TLS errors, exits 1 when it cannot listen, and on SIGTERM/SIGINT
// calls onStop (the simulator's own clean-up), closes every connection and
// exits 0.
export function simListen(cl, log, onRequest, { fields = {}, onStop = () => {} } = {}) {
	const open = new Set();
	const server = https.createServer({ ...cl.tls, minVersion: 'TLSv1.2' }, onRequest);
	server.on('connection', (sock) => {
		open.add(sock);
		sock.on('close', () => open.delete(sock));
	});
	server.on('tlsClientError', (e) => log('tls.error', { error: e.message }));
	server.on('error', (e) => {
		log('fatal', { error: e.message });
		process.exit(1);
	});
	server.listen(cl.port, cl.host, () => {
		const { port } = server.address();
		const file = cl.args['port-file'];
		if (file) {
			fs.writeFileSync(`${file}.${process.pid}.tmp`, String(port));
			fs.renameSync(`${file}.${process.pid}.tmp`, file);
		}
		log('listening', { port, ...fields });
	});
	let stopping = false;
	for (const signal of ['SIGTERM', 'SIGINT']) {
		process.on(signal, () => {
			if (stopping) return;
			stopping = true;
			onStop();
			server.close(() => {
				log('stopped', { signal });
				process.exit(0);
			});
			for (const sock of open) sock.destroy();
			setTimeout(() => process.exit(0), 2000).unref();
		});
	}
	return server;
}

// Serves handle(req, url, body) -> {status, body?, headers?, contentType?}
// (body: the request's text, or null past limit bytes) with simListen;
// fields go into the listening log line.
export function simServe(cl, log, handle, { limit = 1024 * 1024, fields = {} } = {}) {
	return simListen(cl, log, async (req, res) => {
		const text = await simReadBody(req, limit);
		simSend(res, await handle(req, new URL(req.url, 'https://sim'), text));
	}, { fields });
}

// POSTs body (JSON, or the text raw when given) to url trusting ca:
// {status, text, body (the answer as JSON, null when it is not)} or {error}.
export function simPost(url, body, { ca, headers = {}, raw } = {}) {
	return new Promise((resolve) => {
		const req = https.request(url, { method: 'POST', ca, agent: false, timeout: 15000,
			headers: { 'content-type': 'application/json', ...headers } });
		req.on('timeout', () => req.destroy(new Error('no answer in 15 s')));
		req.on('error', (e) => resolve({ error: e.message }));
		req.on('response', async (res) => {
			let text = '';
			try {
				for await (const c of res) text += c;
			} catch (e) {
				resolve({ error: e.message });
				return;
			}
			let parsed = null;
			try { parsed = JSON.parse(text); } catch { /* not JSON: null */ }
			resolve({ status: res.statusCode, text, body: parsed });
		});
		req.end(raw ?? JSON.stringify(body));
	});
}

// The part of a /_sim/ control API the simulators share: GET /_sim/<name>
// of lists (name -> a function giving the list), 405 for any other GET and
// any method but POST, 400 for a body that was no JSON (body {error}),
// POST /_sim/reset (reset() clears the records and returns how many).
// Returns {answer} when that settles the request, else {c}: the POSTed
// value ({} when none) for the simulator's own controls.
export function simControl(method, p, body, { lists, reset }) {
	const list = lists[p.replace('/_sim/', '')];
	if (method === 'GET' && list) return { answer: { status: 200, body: list() } };
	if (method !== 'POST') return { answer: { status: 405, body: { error: 'method not allowed' } } };
	if (body.error) return { answer: { status: 400, body: { error: body.error } } };
	if (p === '/_sim/reset') return { answer: { status: 200, body: { cleared: reset() } } };
	return { c: body.value ?? {} };
}
