// sim-server.mjs - the HTTPS scaffolding a supplier simulator needs beside
// its own API: the command line every simulator shares (--cert, --tls-key,
// --listen, --port-file, --help, plus its own options), a server that
// reads each request's body (bounded) and sends what the simulator's
// handler answers, the port file written atomically once it listens, a
// stop on SIGTERM/SIGINT, JSON lines on stdout, and a JSON POST to the
// broker trusting one CA. Used by tmf621-sim.mjs; the older simulators
// carry their own copy of the same.
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

// Serves handle(req, url, body) -> {status, body?, headers?, contentType?}
// (body: the request's text, or null past limit bytes) over cl's TLS;
// writes the port to cl.args['port-file'] once listening.
export function simServe(cl, log, handle, limit = 1024 * 1024) {
	const open = new Set();
	const server = https.createServer({ ...cl.tls, minVersion: 'TLSv1.2' }, async (req, res) => {
		const chunks = [];
		let size = 0;
		for await (const c of req) {
			size += c.length;
			if (size <= limit) chunks.push(c);
		}
		const text = size <= limit ? Buffer.concat(chunks).toString('utf8') : null;
		const r = await handle(req, new URL(req.url, 'https://sim'), text);
		const out = r.body === undefined || r.status === 204 ? '' : JSON.stringify(r.body);
		const headers = { ...(r.headers ?? {}), 'content-length': Buffer.byteLength(out) };
		if (out) headers['content-type'] = r.contentType ?? 'application/json';
		res.writeHead(r.status, headers);
		res.end(out);
	});
	server.on('connection', (sock) => {
		open.add(sock);
		sock.on('close', () => open.delete(sock));
	});
	server.on('tlsClientError', (e) => log('tls.error', { error: e.message }));
	server.listen(cl.port, cl.host, () => {
		const { port } = server.address();
		const file = cl.args['port-file'];
		if (file) {
			fs.writeFileSync(`${file}.${process.pid}.tmp`, `${port}\n`);
			fs.renameSync(`${file}.${process.pid}.tmp`, file);
		}
		log('listening', { port });
	});
	for (const signal of ['SIGTERM', 'SIGINT']) {
		process.on(signal, () => {
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

// POSTs body (JSON) to url trusting ca: {status, text} or {error}.
export function simPost(url, body, { ca, headers = {} } = {}) {
	return new Promise((resolve) => {
		const req = https.request(url, { method: 'POST', ca, agent: false, timeout: 15000,
			headers: { 'content-type': 'application/json', ...headers } });
		req.on('timeout', () => req.destroy(new Error('no answer in 15 s')));
		req.on('error', (e) => resolve({ error: e.message }));
		req.on('response', async (res) => {
			let text = '';
			for await (const c of res) text += c;
			resolve({ status: res.statusCode, text });
		});
		req.end(JSON.stringify(body));
	});
}
