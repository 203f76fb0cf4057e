#!/usr/bin/env bash
# quickstart.sh - `make run`: the demo on one machine, all in var/ (gitignored):
# certificates, supplier secrets, a throwaway PostgreSQL, the demo chain
# (deploy/demo-chain.json), API keys, `keten serve` on 127.0.0.1:8443 and one
# supplier simulator per demo supplier. Ctrl-C stops all of it and exits 0.
set -euo pipefail

bin=${KETEN_BIN:-}
case "$bin" in ''|/*) ;; *) bin="$PWD/$bin" ;; esac # relative to the caller
cd "$(dirname "$0")/.."
root=$(pwd -P)
bin=${bin:-$root/build/default/keten}
var="$root/var"
chain="$root/deploy/demo-chain.json"
listen_port=8443
url="https://127.0.0.1:$listen_port"

say() { printf 'quickstart: %s\n' "$*"; }
# die MESSAGE [LOG]: says what failed, shows the end of LOG, cleans up (EXIT trap).
die() {
	printf 'quickstart: %s\n' "$1" >&2
	if [ -n "${2:-}" ] && [ -s "$2" ]; then
		printf -- '--- last lines of %s ---\n' "${2#"$root/"}" >&2
		tail -n 25 "$2" >&2
		printf -- '---\n' >&2
	fi
	exit 1
}

# ---------------------------------------------------------------- cleanup
pgdir=
declare -A pids=()   # name -> pid of what this script started
cleaned=
owns_var= # set once the ports were free: var/ is ours, not another run's
# shellcheck disable=SC2317  # cleanup and on_signal run from traps
cleanup() {
	[ -n "$cleaned" ] && return 0
	cleaned=1
	local name pid i alive
	for name in "${!pids[@]}"; do kill -TERM "${pids[$name]}" 2>/dev/null || true; done
	for ((i = 0; i < 100; i++)); do # up to 10 s for a clean exit
		alive=
		for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
		[ -z "$alive" ] && break
		sleep 0.1
	done
	for name in "${!pids[@]}"; do
		if kill -0 "${pids[$name]}" 2>/dev/null; then
			say "$name did not stop in 10 s; killing it" >&2
			kill -KILL "${pids[$name]}" 2>/dev/null || true
		fi
		wait "${pids[$name]}" 2>/dev/null || true
	done
	if [ -n "$pgdir" ]; then
		tests/lib/pg.sh stop "$pgdir" || true
	fi
	if [ -n "$owns_var" ]; then # its keys die with the database
		rm -f "$var"/*.port "$var/quickstart.env"
	fi
}
# shellcheck disable=SC2317
on_signal() {
	trap '' INT TERM
	echo
	say "stopping the broker, the simulators and PostgreSQL"
	cleanup
	say "stopped (var/ keeps the logs, the certificates and secrets.env)"
	exit 0
}
trap cleanup EXIT
trap on_signal INT TERM

# ---------------------------------------------------------------- checks
[ -x "$bin" ] || die "no keten binary at $bin: build it with \`make\`"
[ -f "$chain" ] || die "missing $chain"
command -v node >/dev/null || die "node is missing: run \`make deps\`"
[ -d tests/node_modules/standardwebhooks ] ||
	die "the simulator's npm packages are missing: run \`make deps\`"

# The demo suppliers, from the chain document: "key port SECRET_ENV" lines.
# shellcheck disable=SC2016  # JavaScript, not shell
suppliers=$(node -e '
	const doc = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
	for (const s of doc.suppliers || []) {
		const m = /^https:\/\/127\.0\.0\.1:(\d+)\//.exec(s.endpoint || "");
		const e = /^env:([A-Z0-9_]+)$/.exec(s.secret_ref || "");
		if (!m || !e) throw new Error(`supplier ${s.key}: endpoint must be https://127.0.0.1:PORT/... and secret_ref env:NAME`);
		console.log(`${s.key} ${m[1]} ${e[1]}`);
	}' "$chain" 2>&1) || die "cannot read the demo suppliers from ${chain#"$root/"}: $suppliers"
[ -n "$suppliers" ] || die "${chain#"$root/"} names no suppliers"

port_taken() { # true when something accepts connections on 127.0.0.1:$1
	timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}
taken=
for port in "$listen_port" $(awk '{print $2}' <<<"$suppliers"); do
	port_taken "$port" && taken="$taken $port"
done
[ -z "$taken" ] || die "port(s)$taken on 127.0.0.1 already in use (another \`make run\`?); stop what uses them and try again"

# ---------------------------------------------------------------- var/
owns_var=1
mkdir -p "$var"
rm -f "$var"/*.port "$var"/.*.port.*.tmp "$var/quickstart.env"
deploy/certs.sh "$var/certs" || die "deploy/certs.sh failed"
say "certificates in var/certs (CA: var/certs/ca.pem)"

# One secret per supplier, made once and kept in var/secrets.env (mode 600).
umask 077
touch "$var/secrets.env"
chmod 600 "$var/secrets.env"
# shellcheck disable=SC1091
. "$var/secrets.env"
while read -r key port envname; do
	if [ -z "${!envname:-}" ]; then
		printf "%s='whsec_%s'\n" "$envname" "$(openssl rand -base64 24)" >>"$var/secrets.env"
		say "new webhook secret for $key in var/secrets.env"
	fi
done <<<"$suppliers"
set -a
# shellcheck disable=SC1091
. "$var/secrets.env"
set +a
umask 022

# ---------------------------------------------------------------- PostgreSQL
pgdir=$(tests/lib/pg.sh start) || die "could not start PostgreSQL (tests/lib/pg.sh start)"
say "throwaway PostgreSQL in $pgdir (removed at exit)"
psql -h "$pgdir" -U postgres -d postgres -XAtq -v ON_ERROR_STOP=1 \
	-c 'CREATE DATABASE keten' >"$var/setup.log" 2>&1 ||
	die "could not create database keten" "$var/setup.log"
export KETEN_DATABASE_URL="host=$pgdir user=postgres dbname=keten"

"$bin" migrate >>"$var/setup.log" 2>&1 || die "keten migrate failed" "$var/setup.log"
import=$("$bin" chain import "$chain" 2>>"$var/setup.log") ||
	die "keten chain import ${chain#"$root/"} failed" "$var/setup.log"
printf '%s\n' "$import" >>"$var/setup.log"
service_id=$(awk '$1 == "service" && $2 == "acme-workplace" && $3 == "id" {print $4}' <<<"$import")
[ -n "$service_id" ] ||
	die "keten chain import printed no \"service acme-workplace id <uuid>\" line" "$var/setup.log"
say "demo chain imported (service acme-workplace is $service_id)"

newkey() { # role [--customer|--supplier KEY]; prints the key
	local k
	if ! k=$("$bin" key create --role "$@" 2>>"$var/setup.log") || [ -z "$k" ]; then
		die "keten key create --role $* failed" "$var/setup.log"
	fi
	printf '%s' "$k"
}
integrator_key=$(newkey integrator)
customer_key=$(newkey customer --customer acme)
other_customer_key=$(newkey customer --customer globex)
supplier_key=$(newkey supplier --supplier netco)
say "API keys made: integrator, customer acme, customer globex, supplier netco"

# ---------------------------------------------------------------- processes
# started NAME LOG: fails with the end of LOG when NAME's process is gone.
started() {
	kill -0 "${pids[$1]}" 2>/dev/null && return 0
	wait "${pids[$1]}" 2>/dev/null && rc=0 || rc=$?
	unset "pids[$1]"
	die "$1 exited during start-up (status $rc)" "$2"
}
wait_port_file() { # NAME FILE LOG
	local i
	for ((i = 0; i < 200; i++)); do
		[ -s "$2" ] && return 0
		started "$1" "$3"
		sleep 0.1
	done
	die "$1 did not start listening in 20 s" "$3"
}

env -u KETEN_LOG_LEVEL \
	KETEN_TLS_CERT="$var/certs/server.pem" KETEN_TLS_KEY="$var/certs/server.key" \
	KETEN_SUPPLIER_CA="$var/certs/ca.pem" \
	"$bin" serve --listen "127.0.0.1:$listen_port" --port-file "$var/keten.port" \
	>"$var/keten.log" 2>&1 </dev/null &
pids[broker]=$!
wait_port_file broker "$var/keten.port" "$var/keten.log"
say "broker listening on $url (log: var/keten.log)"

while read -r key port envname; do
	SIM_SECRET=${!envname} node tests/sim/supplier-sim.mjs --key "$key" \
		--cert "$var/certs/server.pem" --tls-key "$var/certs/server.key" \
		--listen "127.0.0.1:$port" --port-file "$var/sim-$key.port" \
		--broker-url "$url" --broker-ca "$var/certs/ca.pem" --advance-ms 3000 \
		>"$var/sim-$key.log" 2>&1 </dev/null &
	pids[sim-$key]=$!
done <<<"$suppliers"
while read -r key _; do
	wait_port_file "sim-$key" "$var/sim-$key.port" "$var/sim-$key.log"
	say "simulator $key listening on 127.0.0.1:$(cat "$var/sim-$key.port") (log: var/sim-$key.log)"
done <<<"$suppliers"

ready=
for ((i = 0; i < 300; i++)); do
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
		--cacert "$var/certs/ca.pem" "$url/readyz" || true)
	[ "$code" = 200 ] && { ready=1; break; }
	started broker "$var/keten.log"
	sleep 0.1
done
[ -n "$ready" ] || die "$url/readyz did not answer 200 in 30 s (last: $code)" "$var/keten.log"

# ---------------------------------------------------------------- next steps
umask 077
{
	echo "# written by deploy/quickstart.sh; valid while that \`make run\` is running"
	printf 'export %s=%q\n' KETEN_URL "$url" KETEN_CACERT "$var/certs/ca.pem" \
		KETEN_INTEGRATOR_KEY "$integrator_key" KETEN_CUSTOMER_KEY "$customer_key" \
		KETEN_OTHER_CUSTOMER_KEY "$other_customer_key" \
		KETEN_SUPPLIER_KEY "$supplier_key" KETEN_SERVICE_ID "$service_id"
} >"$var/quickstart.env"
umask 022

cat <<EOF

Keten is ready at $url. In another terminal:

  cd $root && source var/quickstart.env

  # as customer acme: report an incident on Workplace Acme (fans out to netco and hostco)
  T=\$(curl -sS --cacert "\$KETEN_CACERT" -H "Authorization: Bearer \$KETEN_CUSTOMER_KEY" \\
    -H 'Content-Type: application/json' "\$KETEN_URL/v1/tickets" \\
    -d '{"service": "'"\$KETEN_SERVICE_ID"'", "type": "incident", "summary": "VPN down in Utrecht",
         "description": "Nobody on site can reach the VPN.", "impact": 2, "urgency": 1}' |
    node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).id'); echo "ticket \$T"

  # watch its one status: new -> assigned -> in_progress -> resolved (about 10 s)
  for i in \$(seq 15); do curl -sS --cacert "\$KETEN_CACERT" -H "Authorization: Bearer \$KETEN_CUSTOMER_KEY" \\
    "\$KETEN_URL/v1/tickets/\$T" | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).status'; sleep 1; done

  # the whole ticket with its timeline, and the list of acme's tickets
  curl -sS --cacert "\$KETEN_CACERT" -H "Authorization: Bearer \$KETEN_CUSTOMER_KEY" "\$KETEN_URL/v1/tickets/\$T"
  curl -sS --cacert "\$KETEN_CACERT" -H "Authorization: Bearer \$KETEN_CUSTOMER_KEY" "\$KETEN_URL/v1/tickets"

  # the integrator sees the legs per supplier; supplier netco only its own leg
  curl -sS --cacert "\$KETEN_CACERT" -H "Authorization: Bearer \$KETEN_INTEGRATOR_KEY" "\$KETEN_URL/v1/tickets/\$T"
  curl -sS --cacert "\$KETEN_CACERT" -H "Authorization: Bearer \$KETEN_SUPPLIER_KEY" "\$KETEN_URL/v1/tickets/\$T"

  # the other customer (globex) does not see it: 404
  curl -sS -w ' HTTP %{http_code}\n' --cacert "\$KETEN_CACERT" \\
    -H "Authorization: Bearer \$KETEN_OTHER_CUSTOMER_KEY" "\$KETEN_URL/v1/tickets/\$T"

Logs: var/keten.log, var/sim-*.log. Ctrl-C here stops everything.
EOF

# ---------------------------------------------------------------- run
# Until a signal (on_signal) or until something we started exits on its own.
# The broker and the simulators exit 0 only when told to stop, so a clean exit
# is a stop request that reached them but not us (e.g. SIGINT sent to the
# process group of a shell that started us with SIGINT ignored).
set +e
wait -n "${pids[@]}"
set -e
stopped=
for name in "${!pids[@]}"; do
	kill -0 "${pids[$name]}" 2>/dev/null && continue
	wait "${pids[$name]}" 2>/dev/null && rc=0 || rc=$?
	unset "pids[$name]"
	if [ "$rc" -ne 0 ]; then
		log="$var/keten.log"
		[ "$name" = broker ] || log="$var/$name.log"
		die "$name exited unexpectedly (status $rc); stopping the rest" "$log"
	fi
	stopped="$stopped $name"
done
say "stopped from outside:$stopped"
on_signal
