#!/usr/bin/env bash
# report.sh - `make bench-report`: how long the reports (issue 13, README
# "SLA and reports") take over a year of 100,000 tickets. On a throwaway
# PostgreSQL it migrates a database, imports a chain (service
# bench-workplace: Amsterdam office hours with holidays, priority 1 and 2
# incidents as outages; suppliers netco and hostco with contracts), loads
# BENCH_REPORT_TICKETS (default 100,000) closed tickets spread over 2025
# with report-history.sql, starts `keten serve` and asks for the service
# report and netco's scorecard over 2025, JSON and CSV, BENCH_REPORT_RUNS
# times each (default 5) over HTTPS with curl. Prints the first (cold) and
# the median time of each, against the target of 2 s, the median CPU time
# the broker and PostgreSQL spent on one (what it takes on an idle
# machine; on a loaded one the wall time is longer), the load average and
# the row counts.
# The numbers are only reported: the exit status is non-zero only when
# something failed to run. Everything it starts goes at exit.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR/../.. source=tests/lib/procs.sh
. "$(dirname "$0")/../lib/procs.sh"
script_init bench-report
tickets=${BENCH_REPORT_TICKETS:-100000}
runs=${BENCH_REPORT_RUNS:-5}
[[ "$tickets" =~ ^[1-9][0-9]*$ ]] || die "BENCH_REPORT_TICKETS must be a whole number, not \"$tickets\""
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "BENCH_REPORT_RUNS must be a whole number, not \"$runs\""
[ -x "$bin" ] || die "no keten binary at $bin: build it with \`make\`"
for tool in psql curl openssl; do
	command -v "$tool" >/dev/null || die "$tool is missing: run \`make deps\`"
done

work=
# shellcheck disable=SC2317  # runs from the EXIT trap
cleanup() {
	stop_all
	[ -z "$work" ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
work=$(mktemp -d /tmp/ktreport.XXXXXX)
log="$work/setup.log"
: >"$log"
db=keten_report

sql() { psql -h "$pgdir" -U postgres -d "$db" -XAtq -v ON_ERROR_STOP=1 -c "$1"; }

deploy/certs.sh "$work/certs" >>"$log" 2>&1 || die "deploy/certs.sh failed" "$log"
start_db "$db" "$log"
cat >"$work/chain.json" <<'JSON'
{
  "customers": [{"key": "bench", "name": "Bench BV"}],
  "suppliers": [
    {"key": "netco", "name": "NetCo", "adapter": "webhook", "endpoint": "https://127.0.0.1:9/hooks",
     "secret_ref": "env:KETEN_SECRET_NETCO",
     "contracts": [{"key": "gold", "name": "NetCo Gold", "targets": {
       "p1": {"acknowledge_min": 15, "resolve_min": 240}, "p2": {"acknowledge_min": 30, "resolve_min": 480},
       "p3": {"acknowledge_min": 60, "resolve_min": 1440}}}]},
    {"key": "hostco", "name": "HostCo", "adapter": "webhook", "endpoint": "https://127.0.0.1:9/hooks",
     "secret_ref": "env:KETEN_SECRET_HOSTCO"}
  ],
  "services": [
    {"key": "bench-workplace", "customer": "bench", "name": "Workplace Bench",
     "default_component": "workplace",
     "sla": {"service_hours": {"timezone": "Europe/Amsterdam", "days": ["mon", "tue", "wed", "thu", "fri"],
                               "from": "08:00", "to": "18:00",
                               "holidays": ["2025-01-01", "2025-04-18", "2025-04-21", "2025-04-28",
                                            "2025-05-05", "2025-05-29", "2025-06-09", "2025-12-25",
                                            "2025-12-26"]},
             "availability_target": 99.5, "outage": {"types": ["incident"], "priorities": [1, 2]},
             "targets": {"p1": {"response_min": 30, "resolution_min": 480},
                         "p2": {"response_min": 60, "resolution_min": 960},
                         "p3": {"response_min": 240, "resolution_min": 2880},
                         "p4": {"response_min": 480, "resolution_min": 5760}}},
     "components": [{"key": "workplace", "name": "Workplace", "kind": "application", "children": [
       {"key": "vpn", "name": "VPN", "kind": "network", "supplier": "netco", "contract": "gold"},
       {"key": "hosting", "name": "Hosting", "kind": "hardware", "supplier": "hostco"}]}]}
  ]
}
JSON
"$bin" chain import "$work/chain.json" >>"$log" 2>&1 || die "keten chain import failed" "$log"
key=$("$bin" key create --role integrator 2>>"$log") || die "keten key create failed" "$log"
service=$(sql "SELECT id FROM services WHERE key = 'bench-workplace'")
netco=$(sql "SELECT id FROM suppliers WHERE key = 'netco'")
hostco=$(sql "SELECT id FROM suppliers WHERE key = 'hostco'")

t0=$SECONDS
psql -h "$pgdir" -U postgres -d "$db" -Xq -v ON_ERROR_STOP=1 -v count="$tickets" \
	-v first_at=2025-01-01T00:00:00Z -v last_at=2026-01-01T00:00:00Z -v service="$service" \
	-v first="$netco" -v second="$hostco" -f tests/bench/report-history.sql >>"$log" 2>&1 ||
	die "report-history.sql failed" "$log"
sql "VACUUM ANALYZE" >/dev/null
counts=$(sql "SELECT (SELECT count(*) FROM tickets) || ' tickets, ' || (SELECT count(*) FROM legs) ||
	' legs, ' || (SELECT count(*) FROM events) || ' timeline entries, ' ||
	(SELECT count(*) FROM supplier_calls) || ' API calls'")
say "loaded $counts in $((SECONDS - t0)) s"

start broker "$work/keten.log" env KETEN_DISPATCH=0 KETEN_TLS_CERT="$work/certs/server.pem" \
	KETEN_TLS_KEY="$work/certs/server.key" "$bin" serve --listen 127.0.0.1:0 --port-file "$work/keten.port"
wait_port broker "$work/keten.port" "$work/keten.log"
url="https://127.0.0.1:$(<"$work/keten.port")"
wait_ready broker "$url" "$work/certs/ca.pem" 10 "$work/keten.log"

# cpu_ticks: the CPU time (clock ticks) the broker and PostgreSQL used so
# far: the broker's, each live backend's, and the postmaster's reaped
# children's (the parallel workers of a query exit and are reaped there).
cpu_ticks() {
	local total=0 pid stat f postmaster
	postmaster=$(head -n 1 "$pgdir/data/postmaster.pid")
	for pid in "${pids[broker]}" $(pgrep -P "$postmaster"); do
		stat=$(<"/proc/$pid/stat") 2>/dev/null || continue
		read -ra f <<<"${stat##*) }" # f[0] is field 3: utime 14, stime 15
		total=$((total + f[11] + f[12]))
	done
	stat=$(<"/proc/$postmaster/stat")
	read -ra f <<<"${stat##*) }" # cutime 16, cstime 17
	echo $((total + f[13] + f[14]))
}

# time_get PATH: "wall-seconds cpu-seconds" of one GET (fails unless 200).
time_get() {
	local c0 c1 wall
	c0=$(cpu_ticks)
	wall=$(curl -sS -f -o "$work/answer" -w '%{time_total}' --max-time 60 --cacert "$work/certs/ca.pem" \
		-H "Authorization: Bearer $key" "$url$1" 2>>"$log") || die "GET $1 failed" "$log"
	c1=$(cpu_ticks)
	awk -v w="$wall" -v t=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%s %.3f\n", w, t / hz }'
}
# median VALUES...
median() { printf '%s\n' "$@" | sort -g | sed -n "$((($# + 1) / 2))p"; }
period='from=2025-01-01&to=2026-01-01'
printf '\nKeten report bench: %s, a year (2025), %d runs each over HTTPS, %d cores, load average %s\n' \
	"$counts" "$runs" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
for report in "services/bench-workplace" "suppliers/netco"; do
	for format in json csv; do
		walls=() cpus=()
		for ((i = 0; i < runs; i++)); do
			read -r wall cpu < <(time_get "/v1/reports/$report?$period&format=$format")
			walls+=("$wall") cpus+=("$cpu")
		done
		awk -v what="$report ($format)" -v first="${walls[0]}" -v m="$(median "${walls[@]}")" \
			-v cpu="$(median "${cpus[@]}")" -v bytes="$(wc -c <"$work/answer")" \
			'BEGIN { printf "  %-32s first %6.3f s  median %6.3f s (CPU %5.3f s)  target <= 2 s: %s  (%d bytes)\n",
				what, first, m, cpu, (m <= 2 ? "met" : "NOT MET"), bytes }'
	done
done
say "the service report over the year:"
curl -sS --cacert "$work/certs/ca.pem" -H "Authorization: Bearer $key" \
	"$url/v1/reports/services/bench-workplace?$period" | head -c 1500
echo
stop broker
[ "$rc" -eq 0 ] || die "keten serve exited with status $rc" "$work/keten.log"
