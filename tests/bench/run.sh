#!/usr/bin/env bash
# run.sh - `make bench`: how close the broker's intake comes to what
# PostgreSQL alone does with the same statements. On a throwaway durable
# PostgreSQL (tests/lib/pg.sh start durable) it migrates a database, imports
# a bench chain (service bench-workplace of customer bench, component
# workplace fanning out to the webhook suppliers netco and hostco, each played
# by tests/sim/supplier-sim.mjs), makes a customer key, starts `keten serve`
# on a free loopback port, and then:
#   1. warms up: wrk for 2 s;
#   2. captures the statements of one real intake (log_statement = all, one
#      POST by curl, read back from server.log) and warns if they drifted
#      from tests/bench/intake.pgbench;
#   3. broker: wrk -t2 -c16 over HTTPS with keep-alive and post_ticket.lua;
#      tickets are counted in the database, non-201 answers by the script,
#      the broker's CPU time is read from /proc/<pid>/stat;
#   4. end to end (BENCH_DELIVER=1): tests/bench/e2e.mjs's sink becomes
#      both suppliers; the sustained rate (accepted and delivered, backlog
#      bounded, outbox depth sampled at both ends) and the open-loop
#      POST -> supplier-received latency at half that rate;
#   5. database: the broker stopped (its dispatcher would go on delivering),
#      pgbench -c16 -j2 -M extended with intake.pgbench on the same database
#      (extended protocol, as the broker's PQexecParams);
# and prints a report. The numbers are only reported: the exit status is
# non-zero only when something failed to run. Everything it starts (the
# cluster, the broker, the simulators, the temporary folder) goes at exit.
# Environment:
#   KETEN_BIN       the keten binary (default build/default/keten)
#   BENCH_SECONDS   length of each measured run, whole seconds (default 10)
#   BENCH_DELIVER   1 (default): the simulators take every delivery, so the
#                   dispatcher delivers during the run, as in production;
#                   0: they hang the first delivery and the dispatcher (one
#                   call in flight at most) stays parked: intake alone
#   other KETEN_*   pass through to `keten serve` (e.g. KETEN_DB_POOL_SIZE)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR/../.. source=tests/lib/procs.sh
. "$(dirname "$0")/../lib/procs.sh"
script_init bench
bench="$root/tests/bench"
seconds=${BENCH_SECONDS:-10}
deliver=${BENCH_DELIVER:-1}
clients=16
warmup=2
db=keten_bench
started_at=$SECONDS

# ---------------------------------------------------------------- cleanup
work=
# shellcheck disable=SC2317  # runs from the EXIT trap
cleanup() {
	stop_all # the broker, the simulators, PostgreSQL
	[ -z "$work" ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- checks
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || die "BENCH_SECONDS must be a whole number of seconds, not \"$seconds\""
[[ "$deliver" =~ ^[01]$ ]] || die "BENCH_DELIVER must be 0 or 1, not \"$deliver\""
[ -x "$bin" ] || die "no keten binary at $bin: build it with \`make\`"
for tool in wrk pgbench psql curl node openssl sha256sum; do
	command -v "$tool" >/dev/null || die "$tool is missing: run \`make deps\`"
done
[ -d tests/node_modules/standardwebhooks ] ||
	die "the simulator's npm packages are missing: run \`make deps\`"

# ---------------------------------------------------------------- helpers
work=$(mktemp -d /tmp/ktbench.XXXXXX)
setup_log="$work/setup.log"
: >"$setup_log"

sql() { # SQL [DB]: runs one statement, prints the rows (unaligned, |)
	psql -h "$pgdir" -U postgres -d "${2:-$db}" -XAtq -v ON_ERROR_STOP=1 -c "$1"
}

cpu_ticks() { # PID: its user + system time (all threads), in clock ticks
	local stat f
	stat=$(<"/proc/$1/stat") || die "cannot read /proc/$1/stat"
	read -ra f <<<"${stat##*) }" # f[0] is field 3 (state): utime is 14, stime 15
	echo $((f[11] + f[12]))
}

now_ms() { date +%s%3N; }

# wrk_run SECONDS OUT: the broker under wrk with post_ticket.lua, output to OUT.
wrk_run() {
	wrk -t2 -c"$clients" -d"${1}s" --latency --timeout 10s -s "$bench/post_ticket.lua" \
		"$url" >"$2" 2>&1 || die "wrk failed" "$2"
	grep -q '^bench requests ' "$2" || die "wrk printed no results" "$2"
}
wrk_value() { awk -v k="$1" '$1 == "bench" && $2 == k { print $3 }' "$2"; }

# Statements (one a line in) in a form to compare: whitespace collapsed and
# none next to brackets or commas, every parameter ($1 in the server log,
# :name in the pgbench script) written as ? without its cast (intake.pgbench
# says why), a line break after each comma, a blank line after each statement.
normalise() {
	sed -E 's/\$[0-9]+/?/g; s/(^|[^:]):[A-Za-z_][A-Za-z0-9_]*/\1?/g; s/\?::[a-z]+/?/g;
		s/[[:space:]]+/ /g; s/ ?([(),]) ?/\1/g; s/ ?;? ?$//; s/^ //; s/,/,\n/g; G'
}
# The SQL statements of a pgbench script (comments and \set lines dropped;
# a statement ends with ; or \gset, which may name a prefix).
script_statements() {
	awk '/^[[:space:]]*(--|$)/ { next }
		/^\\/ && buf == "" { next }
		{ buf = buf " " $0 }
		/(;|\\gset([[:space:]]+[A-Za-z0-9_]+)?)[[:space:]]*$/ {
			sub(/\\gset([[:space:]]+[A-Za-z0-9_]+)?[[:space:]]*$/, "", buf); print buf; buf = "" }' "$1"
}
# The statements the session that inserted the ticket ran, from the key
# lookup on, in a slice of server.log (log_line_prefix '%m [%p] ').
captured_statements() {
	local pid
	pid=$(sed -nE 's/^.* \[([0-9]+)\] LOG:  execute [^:]*: WITH t AS \(INSERT INTO tickets .*/\1/p' "$1" | head -n 1)
	[ -n "$pid" ] || return 0
	sed -nE "s/^.* \[$pid\] LOG:  (statement|execute [^:]*): //p" "$1" | awk '/ FROM api_keys / { on = 1 } on'
}

# log_all on|off: statement logging of every session, existing ones included
# (ALTER DATABASE ... SET would reach only new sessions, and the broker's
# pooled sessions are already open). Waits until the server took it.
log_all() {
	local want=none i
	if [ "$1" = on ]; then
		want=all
		sql "ALTER SYSTEM SET log_statement = 'all'" postgres
		sql "ALTER SYSTEM SET log_line_prefix = '%m [%p] '" postgres
	else
		sql "ALTER SYSTEM RESET log_statement" postgres
		sql "ALTER SYSTEM RESET log_line_prefix" postgres
	fi
	sql "SELECT pg_reload_conf()" postgres >/dev/null
	for ((i = 0; i < 50; i++)); do
		[ "$(sql 'SHOW log_statement' postgres)" = "$want" ] && return 0
		sleep 0.1
	done
	die "log_statement did not become $want"
}

# ---------------------------------------------------------------- setup
deploy/certs.sh "$work/certs" >>"$setup_log" 2>&1 || die "deploy/certs.sh failed" "$setup_log"
start_db "$db" "$setup_log" durable

# The suppliers: one simulator each, and the secret the broker signs with.
suppliers="netco hostco"
for key in $suppliers; do
	secret="whsec_$(openssl rand -base64 24)"
	export "KETEN_SECRET_${key^^}=$secret"
	start "sim-$key" "$work/sim-$key.log" env SIM_SECRET="$secret" \
		node tests/sim/supplier-sim.mjs --key "$key" --cert "$work/certs/server.pem" \
		--tls-key "$work/certs/server.key" --listen 127.0.0.1:0 --port-file "$work/$key.port"
done
declare -A sim_port=()
for key in $suppliers; do
	wait_port "sim-$key" "$work/$key.port" "$work/sim-$key.log"
	sim_port[$key]=$(<"$work/$key.port")
	if [ "$deliver" = 0 ]; then
		curl -sSf --cacert "$work/certs/ca.pem" -H 'Content-Type: application/json' \
			-d '{"mode": "hang"}' "https://127.0.0.1:${sim_port[$key]}/_sim/mode" \
			>>"$setup_log" 2>&1 || die "could not put simulator $key in hang mode" "$setup_log"
	fi
done

cat >"$work/chain.json" <<EOF
{
  "customers": [{"key": "bench", "name": "Bench BV"}],
  "suppliers": [
    {"key": "netco", "name": "NetCo", "adapter": "webhook",
     "endpoint": "https://127.0.0.1:${sim_port[netco]}/hooks", "secret_ref": "env:KETEN_SECRET_NETCO"},
    {"key": "hostco", "name": "HostCo", "adapter": "webhook",
     "endpoint": "https://127.0.0.1:${sim_port[hostco]}/hooks", "secret_ref": "env:KETEN_SECRET_HOSTCO"}
  ],
  "services": [
    {"key": "bench-workplace", "customer": "bench", "name": "Workplace Bench",
     "default_component": "workplace",
     "components": [
       {"key": "workplace", "name": "Workplace", "kind": "application", "children": [
         {"key": "vpn", "name": "VPN", "kind": "network", "supplier": "netco"},
         {"key": "hosting", "name": "Hosting", "kind": "hardware", "supplier": "hostco"}
       ]}
     ]}
  ]
}
EOF
"$bin" chain import "$work/chain.json" >>"$setup_log" 2>&1 || die "keten chain import failed" "$setup_log"
if ! key=$("$bin" key create --role customer --customer bench 2>>"$setup_log") || [ -z "$key" ]; then
	die "keten key create failed" "$setup_log"
fi

# What the wrk script posts; intake.pgbench gets the same values.
export BENCH_KEY=$key BENCH_COMPONENT=workplace BENCH_SUMMARY="Bench ticket" \
	BENCH_DESCRIPTION="Made by make bench: one POST of the intake benchmark."
row=$(sql "SELECT id, customer_id FROM services WHERE key = 'bench-workplace'")
IFS='|' read -r BENCH_SERVICE customer_id <<<"$row"
export BENCH_SERVICE
# The legs the chain routes the component to, as the broker routes them.
row=$(sql "SELECT supplier_id, key FROM components WHERE service_id = '$BENCH_SERVICE'
	AND supplier_id IS NOT NULL ORDER BY key")
mapfile -t legs <<<"$row"
[ "${#legs[@]}" -eq 2 ] || die "the bench chain should route to two suppliers, not ${#legs[@]}"

serve_env=(KETEN_TLS_CERT="$work/certs/server.pem" KETEN_TLS_KEY="$work/certs/server.key"
	KETEN_SUPPLIER_CA="$work/certs/ca.pem")
if [ "$deliver" = 0 ]; then # one call in flight, which the simulator never answers
	serve_env+=(KETEN_DISPATCH_MAX_INFLIGHT=1 KETEN_SUPPLIER_TIMEOUT_MS=3600000 KETEN_LEASE_MS=7200000)
fi
start broker "$work/keten.log" env "${serve_env[@]}" \
	"$bin" serve --listen 127.0.0.1:0 --port-file "$work/keten.port"
broker=${pids[broker]}
wait_port broker "$work/keten.port" "$work/keten.log"
url="https://127.0.0.1:$(<"$work/keten.port")"
wait_ready broker "$url" "$work/certs/ca.pem" 10 "$work/keten.log"
say "broker on $url (pid $broker), PostgreSQL in $pgdir (durable), deliveries $([ "$deliver" = 1 ] && echo on || echo off)"

# ---------------------------------------------------------------- warm-up
wrk_run "$warmup" "$work/wrk-warmup.out"

# ---------------------------------------------------------------- capture
# One real intake with every statement logged; its statements, shapes only,
# against the script's. The pool's sessions are all open after the warm-up,
# so no connection set-up lands in the capture.
log="$pgdir/server.log"
log_from=$(($(stat -c %s "$log") + 1))
log_all on
curl -sS -o "$work/capture.json" -w '%{http_code}' --max-time 10 --cacert "$work/certs/ca.pem" \
	-H "Authorization: Bearer $BENCH_KEY" -H 'Content-Type: application/json' \
	-d "{\"service\": \"$BENCH_SERVICE\", \"type\": \"incident\", \"component\": \"$BENCH_COMPONENT\",
	     \"summary\": \"$BENCH_SUMMARY\", \"description\": \"$BENCH_DESCRIPTION\", \"impact\": 2, \"urgency\": 1}" \
	"$url/v1/tickets" >"$work/capture.code" 2>>"$setup_log" || true
log_all off
tail -c +"$log_from" "$log" >"$work/capture.log"
[ "$(cat "$work/capture.code")" = 201 ] ||
	die "the captured POST /v1/tickets answered $(cat "$work/capture.code"), not 201" "$work/capture.json"
captured_statements "$work/capture.log" | normalise >"$work/captured.sql"
script_statements "$bench/intake.pgbench" | normalise >"$work/script.sql"
[ -s "$work/captured.sql" ] || die "found no intake statements in server.log" "$work/capture.log"
if diff -u "$work/script.sql" "$work/captured.sql" >"$work/drift.diff"; then
	drift="same as intake.pgbench ($(grep -c '^$' "$work/captured.sql") statements)"
else
	drift="DRIFTED from intake.pgbench: update it (diff above)"
	say "WARNING: the statements of one intake no longer match tests/bench/intake.pgbench" >&2
	say "(--- script, +++ captured; parameters as ?, blank line between statements):" >&2
	sed -n '3,$p' "$work/drift.diff" >&2
fi

# ---------------------------------------------------------------- broker
counts="SELECT (SELECT count(*) FROM tickets), count(*) FILTER (WHERE state = 'done'),
	count(*) FILTER (WHERE state = 'pending') FROM outbox" # tickets, deliveries done, waiting
row=$(sql "$counts")
IFS='|' read -r tickets0 done0 _ <<<"$row"
sims_cpu() { # the simulators' CPU time together, in clock ticks
	local key sum=0
	for key in $suppliers; do sum=$((sum + $(cpu_ticks "${pids[sim-$key]}"))); done
	echo "$sum"
}
cpu0=$(cpu_ticks "$broker") sim0=$(sims_cpu)
t0=$(now_ms)
wrk_run "$seconds" "$work/wrk.out"
t1=$(now_ms)
cpu1=$(cpu_ticks "$broker") sim1=$(sims_cpu)
row=$(sql "$counts")
IFS='|' read -r tickets1 done1 pending1 <<<"$row"

# ---------------------------------------------------------------- end to end
# e2e.mjs's sink becomes both suppliers (the claim reads the endpoint from
# the database each time); the intake run's backlog drains into it first,
# timed, and the sustained and latency phases follow (e2e.mjs says how).
# At each of its marks the outbox depth (pending messages, in flight
# included) and the broker's CPU time are sampled.
declare -A mark_depth=() mark_cpu=()
drained=0 drain_ms=0 e2e=0
if [ "$deliver" = 1 ]; then
	e2e=1
	start e2e "$work/e2e.out" node "$bench/e2e.mjs" --url "$url" --ca "$work/certs/ca.pem" \
		--cert "$work/certs/server.pem" --key "$work/certs/server.key" \
		--port-file "$work/sink.port" --go-file "$work/go" --warmup "$warmup" --seconds "$seconds"
	wait_port e2e "$work/sink.port" "$work/e2e.out"
	sql "UPDATE suppliers SET endpoint = 'https://127.0.0.1:$(<"$work/sink.port")/hooks'" >/dev/null
	drained=$(sql "SELECT count(*) FROM outbox WHERE state = 'pending'")
	d0=$(now_ms)
	until [ "$(sql "SELECT count(*) FROM outbox WHERE state = 'pending'")" = 0 ]; do
		(($(now_ms) - d0 < 300000)) || die "the intake run's backlog did not drain in 300 s" "$work/keten.log"
		sleep 0.1
	done
	drain_ms=$(($(now_ms) - d0))
	touch "$work/go"
	seen=0 e2e_from=$SECONDS
	while :; do
		finished=0
		gone e2e && finished=1
		mapfile -t marks < <(sed -n 's/^mark //p' "$work/e2e.out")
		while ((seen < ${#marks[@]})); do
			mark_depth[${marks[seen]}]=$(sql "SELECT count(*) FROM outbox WHERE state = 'pending'")
			mark_cpu[${marks[seen]}]=$(cpu_ticks "$broker")
			seen=$((seen + 1))
		done
		((finished)) && break
		((SECONDS - e2e_from < warmup + 2 * seconds + 60)) || die "e2e.mjs did not finish" "$work/e2e.out"
		sleep 0.05
	done
	[ "$rc" -eq 0 ] || die "e2e.mjs exited with status $rc" "$work/e2e.out"
fi

# The broker stops before pgbench: its dispatcher would otherwise go on
# delivering (the backlog, and pgbench's own outbox rows) beside pgbench.
stop broker
[ "$rc" -eq 0 ] || die "keten serve exited with status $rc" "$work/keten.log"

# ---------------------------------------------------------------- pgbench
pgbench_vars=(-D "key_hash=\\x$(printf '%s' "$BENCH_KEY" | sha256sum | cut -d' ' -f1)"
	-D "service=$BENCH_SERVICE" -D "customer=$customer_id"
	-D type_prefix=INC -D type_seq=ticket_number_incident -D type_name=incident
	-D "component=$BENCH_COMPONENT" -D "summary=$BENCH_SUMMARY" -D "description=$BENCH_DESCRIPTION"
	-D actor=customer -D role=customer -D supplier=00000000-0000-0000-0000-000000000000
	-D category=none -D ci=none -D system=system -D hop=0 -D 'why={"by": "component"}'
	-D operation=create -D payload=null
	-D "leg1_supplier=${legs[0]%%|*}" -D "leg1_component=${legs[0]#*|}"
	-D "leg2_supplier=${legs[1]%%|*}" -D "leg2_component=${legs[1]#*|}")
pg_tickets0=$(sql "SELECT count(*) FROM tickets")
pgbench -h "$pgdir" -U postgres -c"$clients" -j2 -T"$seconds" -n -M extended \
	"${pgbench_vars[@]}" -f "$bench/intake.pgbench" "$db" >"$work/pgbench.out" 2>&1 ||
	die "pgbench failed" "$work/pgbench.out"
pg_tickets=$(($(sql "SELECT count(*) FROM tickets") - pg_tickets0))
pg_tps=$(sed -nE 's/^tps = ([0-9.]+) .*without initial connection time.*/\1/p' "$work/pgbench.out")
pg_tx=$(sed -nE 's/^number of transactions actually processed: ([0-9]+).*/\1/p' "$work/pgbench.out")
[[ -n $pg_tps && -n $pg_tx ]] || die "pgbench printed no tps" "$work/pgbench.out"
[ "$pg_tx" = "$pg_tickets" ] ||
	say "WARNING: pgbench reports $pg_tx transactions but made $pg_tickets tickets" >&2

# ---------------------------------------------------------------- report
tickets=$((tickets1 - tickets0))
non201=$(wrk_value non201 "$work/wrk.out")
socket_errors=$(wrk_value socket_errors "$work/wrk.out")
first_error=$(sed -n 's/^bench first_error //p' "$work/wrk.out")
[ "$tickets" -gt 0 ] || say "WARNING: no tickets were created during the run" >&2
awk -v tickets="$tickets" -v ms=$((t1 - t0)) -v cpu=$((cpu1 - cpu0)) -v hz="$(getconf CLK_TCK)" \
	-v pg_tps="$pg_tps" -v pg_tx="$pg_tx" -v p50="$(wrk_value p50_us "$work/wrk.out")" \
	-v p99="$(wrk_value p99_us "$work/wrk.out")" -v requests="$(wrk_value requests "$work/wrk.out")" \
	-v non201="$non201" -v sock="$socket_errors" -v delivered=$((done1 - done0)) \
	-v pending="$pending1" -v deliver="$deliver" -v clients="$clients" -v seconds="$seconds" \
	-v drift="$drift" -v cores="$(nproc)" -v wall=$((SECONDS - started_at)) -v sim_cpu=$((sim1 - sim0)) '
	BEGIN {
		rate = tickets / (ms / 1000)
		ratio = pg_tps > 0 ? rate / pg_tps : 0
		per_1000 = tickets > 0 ? cpu / hz / tickets * 1000 : 0
		printf "\nKeten intake bench: %d s each, %d connections / clients, durable PostgreSQL, %d cores\n",
			seconds, clients, cores
		printf "  broker     %8.1f tickets/s  (%d tickets in %.1f s over HTTPS keep-alive; p50 %.1f ms, p99 %.1f ms)\n",
			rate, tickets, ms / 1000, p50 / 1000, p99 / 1000
		printf "  errors     %d non-201 answers, %d socket errors (of %d answered)\n", non201, sock, requests
		printf "  pgbench    %8.1f tx/s       (%d intakes: the same statements, in intake.pgbench)\n", pg_tps, pg_tx
		printf "  ratio      %8.2f broker/pgbench\n", ratio
		printf "  broker CPU %8.2f s per 1,000 tickets (%.2f s user+system in the run",
			per_1000, cpu / hz
		if (deliver == 1)
			printf ", deliveries included)\n  deliveries %d made during the run, %d waiting at its end;" \
				" they share the cores with intake (BENCH_DELIVER=0: intake alone)\n", delivered, pending
		else
			printf "; deliveries off)\n"
		if (deliver == 1)
			printf "  simulators %8.2f s CPU per 1,000 deliveries (both together, in the run)\n",
				(delivered > 0 ? sim_cpu / hz / delivered * 1000 : 0)
		printf "  statements %s\n", drift
		printf "  wall time  %d s\n", wall
	}'
[ -z "$first_error" ] || say "first non-201 answer: $first_error"
((e2e)) || exit 0
e2e_value() { wrk_value "$1" "$work/e2e.out"; }
awk -v pg_tps="$pg_tps" -v hz="$(getconf CLK_TCK)" -v window=64 \
	-v rate="$(e2e_value sustained_rate)" -v n="$(e2e_value sustained_tickets)" \
	-v ms="$(e2e_value sustained_ms)" -v sink_ms="$(e2e_value sink_cpu_ms)" \
	-v d0="${mark_depth[sustained_start]}" -v d1="${mark_depth[sustained_end]}" \
	-v c0="${mark_cpu[sustained_start]}" -v c1="${mark_cpu[sustained_end]}" \
	-v l0="${mark_depth[latency_start]}" -v l1="${mark_depth[latency_end]}" \
	-v half="$(e2e_value latency_rate)" -v achieved="$(e2e_value latency_achieved)" \
	-v offered="$(e2e_value latency_offered)" -v accepted="$(e2e_value latency_accepted)" \
	-v deliveries="$(e2e_value latency_deliveries)" -v missing="$(e2e_value latency_missing)" \
	-v p50="$(e2e_value latency_p50_ms)" -v p99="$(e2e_value latency_p99_ms)" \
	-v a50="$(e2e_value answer_p50_ms)" -v a99="$(e2e_value answer_p99_ms)" \
	-v failures="$(e2e_value failures)" -v drained="$drained" -v drain_ms="$drain_ms" '
	BEGIN {
		printf "\nEnd to end: customer POST -> delivered to a minimal HTTPS sink (tests/bench/e2e.mjs) as both suppliers\n"
		printf "  sustained  %8.1f tickets/s accepted and delivered (%d in %.1f s, at most %d tickets open);" \
			" outbox depth %d -> %d\n", rate, n, ms / 1000, window, d0, d1
		printf "  ratio      %8.2f sustained/pgbench\n", (pg_tps > 0 ? rate / pg_tps : 0)
		printf "  broker CPU %8.2f s per 1,000 tickets delivered (sustained phase; the sink process: %.2f)\n",
			(n > 0 ? (c1 - c0) / hz / n * 1000 : 0), (n > 0 ? sink_ms / n : 0)
		printf "  latency    POST -> supplier received p50 %.1f ms, p99 %.1f ms, open loop at %.1f tickets/s" \
			" (%.2f of pgbench; achieved %.1f)\n", p50, p99, half, (pg_tps > 0 ? half / pg_tps : 0), achieved
		printf "             %d deliveries of %d accepted of %d offered, %d missing after the drain;" \
			" 201 answer p50 %.1f ms, p99 %.1f ms; outbox depth %d -> %d\n",
			deliveries, accepted, offered, missing, a50, a99, l0, l1
		printf "  backlog    the intake run left %d deliveries: drained into the sink in %.1f s (%.0f deliveries/s, no intake)\n",
			drained, drain_ms / 1000, (drain_ms > 0 ? drained / (drain_ms / 1000) : 0)
		if (failures > 0)
			printf "  errors     %d POSTs not accepted\n", failures
	}'
first_failure=$(sed -n 's/^bench first_failure //p' "$work/e2e.out")
[ -z "$first_failure" ] || say "first POST not accepted end to end: $first_failure"
