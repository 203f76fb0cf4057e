// e2e.mjs - the end-to-end phases of `make bench` (tests/bench/run.sh): a
// minimal HTTPS supplier sink and the customer load, in one process, so
// that a POST and the supplier's receipt of its deliveries are timed on one
// clock. The sink answers every leg.create as the simulator does (201,
// {"id", "status": "new"}) without checking signatures or keeping history,
// so that it is not what limits the rate; it records when each ticket's
// creates arrive. Phases, in order:
//   1. sustained: a closed loop end to end: WINDOW tickets at a time, a
//      new POST as soon as both creates of one arrived, so the backlog
//      can never grow past WINDOW tickets; WARMUP seconds, then SECONDS
//      measured: tickets accepted and delivered per second;
//   2. latency: an open loop at half that rate (a POST every 1/rate s on
//      a schedule, whatever the answers do) for SECONDS; latency is
//      counted from each POST's scheduled time (no coordinated omission)
//      to the arrival of each of its creates at the sink; then up to DRAIN
//      seconds for the last deliveries.
// It prints "mark NAME" at each phase boundary (run.sh samples the outbox
// and the broker's CPU there) and "bench NAME VALUE" results.
// Usage: node e2e.mjs --url URL --ca FILE --cert FILE --key FILE
//   --port-file FILE --go-file FILE [--window N --warmup S --seconds S --drain S]
// It writes the sink's port to --port-file, then waits for --go-file to
// exist (run.sh points the suppliers at the sink in between).
// Environment: BENCH_KEY, BENCH_SERVICE, BENCH_COMPONENT, BENCH_SUMMARY,
// BENCH_DESCRIPTION, as post_ticket.lua; BENCH_LEGS: creates per ticket.
import fs from 'node:fs';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
	options: {
		url: { type: 'string' }, ca: { type: 'string' }, cert: { type: 'string' },
		key: { type: 'string' }, 'port-file': { type: 'string' }, 'go-file': { type: 'string' },
		window: { type: 'string', default: '64' }, warmup: { type: 'string', default: '2' },
		seconds: { type: 'string', default: '10' }, drain: { type: 'string', default: '10' },
	},
});
for (const k of ['url', 'ca', 'cert', 'key', 'port-file', 'go-file']) {
	if (!opt[k]) throw new Error(`e2e.mjs: --${k} is required`);
}
const env = (name) => {
	const v = process.env[name];
	if (!v) throw new Error(`e2e.mjs: ${name} is not set`);
	return v;
};
const WINDOW = Number(opt.window);
const WARMUP_MS = Number(opt.warmup) * 1000;
const STEADY_MS = Number(opt.seconds) * 1000;
const DRAIN_MS = Number(opt.drain) * 1000;
const LEGS = Number(process.env.BENCH_LEGS || 2);
const say = (line) => process.stdout.write(`${line}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- sink
const arrivals = new Map(); // ticket id -> [ms of each create's arrival]
const waiters = new Map(); // ticket id -> called when all its creates arrived
let sinkSeq = 0;

function onArrival(ticketId) {
	const now = performance.now();
	const got = arrivals.get(ticketId) || [];
	got.push(now);
	arrivals.set(ticketId, got);
	if (got.length === LEGS && waiters.has(ticketId)) {
		waiters.get(ticketId)();
		waiters.delete(ticketId);
	}
}

const sink = https.createServer({ cert: fs.readFileSync(opt.cert), key: fs.readFileSync(opt.key) }, (req, res) => {
	const chunks = [];
	req.on('data', (c) => chunks.push(c));
	req.on('end', () => {
		let msg = null;
		try {
			msg = JSON.parse(Buffer.concat(chunks).toString('utf8'));
		} catch {
			msg = null;
		}
		const create = msg && msg.type === 'leg.create';
		const body = create ? JSON.stringify({ id: `SINK-${++sinkSeq}`, status: 'new' }) : '{}';
		res.writeHead(create ? 201 : 200, { 'content-type': 'application/json' });
		res.end(body);
		if (create && msg.data && typeof msg.data.id === 'string') onArrival(msg.data.id);
	});
});
sink.keepAliveTimeout = 60000;
await new Promise((r) => sink.listen(0, '127.0.0.1', r));
fs.writeFileSync(opt['port-file'], `${sink.address().port}\n`);
while (!fs.existsSync(opt['go-file'])) await sleep(50);

// ---------------------------------------------------------------- customer
const agent = new https.Agent({ keepAlive: true, maxSockets: 64, ca: fs.readFileSync(opt.ca) });
const target = new URL('/v1/tickets', opt.url);
const head = {
	service: env('BENCH_SERVICE'), type: 'incident', component: env('BENCH_COMPONENT'),
	summary: env('BENCH_SUMMARY'), description: env('BENCH_DESCRIPTION'),
};
const auth = `Bearer ${env('BENCH_KEY')}`;
const failures = { count: 0, first: null };

// POSTs one ticket; resolves to its id, or null when it was not accepted.
function post() {
	const body = JSON.stringify({ ...head, impact: 1 + Math.floor(Math.random() * 3), urgency: 1 + Math.floor(Math.random() * 3) });
	return new Promise((resolve) => {
		const req = https.request(target, {
			method: 'POST', agent,
			headers: { authorization: auth, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
		}, (res) => {
			const chunks = [];
			res.on('data', (c) => chunks.push(c));
			res.on('end', () => {
				const text = Buffer.concat(chunks).toString('utf8');
				if (res.statusCode === 201) {
					try {
						resolve(JSON.parse(text).id);
						return;
					} catch { /* counted below */ }
				}
				failures.count++;
				failures.first ??= `${res.statusCode} ${text.slice(0, 200)}`;
				resolve(null);
			});
		});
		req.on('error', (e) => {
			failures.count++;
			failures.first ??= e.message;
			resolve(null);
		});
		req.end(body);
	});
}

// Resolves once every create of ticket id arrived at the sink.
function delivered(id) {
	if ((arrivals.get(id) || []).length >= LEGS) return Promise.resolve();
	return new Promise((r) => waiters.set(id, r));
}

function percentile(sorted, p) {
	if (sorted.length === 0) return 0;
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

// ---------------------------------------------------------------- 1. sustained
let phase = 'warmup', done = 0, stop = false;
const cpu0 = process.cpuUsage();
async function lane() {
	while (!stop) {
		const id = await post();
		if (id === null) {
			await sleep(10);
			continue;
		}
		await delivered(id);
		if (phase === 'steady') done++;
	}
}
const lanes = Array.from({ length: WINDOW }, lane);
await sleep(WARMUP_MS);
say('mark sustained_start');
phase = 'steady';
let t0 = performance.now();
await sleep(STEADY_MS);
const sustainedMs = performance.now() - t0;
const sustained = done;
phase = 'after';
say('mark sustained_end');
stop = true;
await Promise.all(lanes);
const cpu1 = process.cpuUsage(cpu0);
const rate = sustained / (sustainedMs / 1000);
say(`bench sustained_tickets ${sustained}`);
say(`bench sustained_ms ${Math.round(sustainedMs)}`);
say(`bench sustained_rate ${rate.toFixed(1)}`);
say(`bench sink_cpu_ms ${Math.round((cpu1.user + cpu1.system) / 1000)}`);

// ---------------------------------------------------------------- 2. latency
const half = rate / 2;
const sent = []; // {at: scheduled ms, id}
const posts = [];
say('mark latency_start');
t0 = performance.now();
const total = Math.floor((half * STEADY_MS) / 1000);
for (let i = 0; i < total; i++) {
	const at = t0 + (i * 1000) / half;
	const wait = at - performance.now();
	if (wait > 1) await sleep(wait);
	const entry = { at, id: null, answered: 0 };
	sent.push(entry);
	posts.push(post().then((id) => {
		entry.id = id;
		entry.answered = performance.now();
	}));
}
const latencyMs = performance.now() - t0;
say('mark latency_end');
await Promise.all(posts);
const deadline = performance.now() + DRAIN_MS;
const ids = sent.filter((s) => s.id !== null);
while (performance.now() < deadline && ids.some((s) => (arrivals.get(s.id) || []).length < LEGS)) await sleep(50);
const lat = [], answer = [];
let missing = 0;
for (const s of ids) {
	const got = arrivals.get(s.id) || [];
	missing += LEGS - Math.min(LEGS, got.length);
	for (const t of got) lat.push(t - s.at);
	answer.push(s.answered - s.at);
}
lat.sort((a, b) => a - b);
answer.sort((a, b) => a - b);
say(`bench latency_rate ${half.toFixed(1)}`);
say(`bench latency_offered ${total}`);
say(`bench latency_achieved ${((total * 1000) / latencyMs).toFixed(1)}`);
say(`bench latency_accepted ${ids.length}`);
say(`bench latency_deliveries ${lat.length}`);
say(`bench latency_missing ${missing}`);
say(`bench latency_p50_ms ${percentile(lat, 50).toFixed(1)}`);
say(`bench latency_p99_ms ${percentile(lat, 99).toFixed(1)}`);
say(`bench answer_p50_ms ${percentile(answer, 50).toFixed(1)}`);
say(`bench answer_p99_ms ${percentile(answer, 99).toFixed(1)}`);
say(`bench failures ${failures.count}`);
if (failures.first) say(`bench first_failure ${failures.first.replace(/\s+/g, ' ')}`);
agent.destroy();
sink.close();
sink.closeAllConnections();
