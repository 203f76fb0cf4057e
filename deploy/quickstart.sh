#!/usr/bin/env bash
# quickstart.sh - `make run`: the demo on one machine, all in var/ (gitignored):
# certificates, supplier secrets, a throwaway PostgreSQL, the demo chain
# (deploy/demo-chain.json), API keys, two demo people who sign in to the portal,
# `keten serve` on 127.0.0.1:8443 and one
# supplier simulator per demo supplier. With KETEN_DEMO_RT=1 (`make run
# RT=1`) also a real Request Tracker (tests/rt/setup.sh: installs Debian's
# request-tracker5 when missing) as one more supplier, polled. Ctrl-C stops
# all of it and exits 0.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR/.. source=tests/lib/procs.sh
. "$(dirname "$0")/../tests/lib/procs.sh"
script_init quickstart
var="$root/var"
chain="$root/deploy/demo-chain.json"
listen_port=8443
url="https://127.0.0.1:$listen_port"

# ---------------------------------------------------------------- cleanup
owns_var= # set once the ports were free: var/ is ours, not another run's
# shellcheck disable=SC2317  # cleanup and on_signal run from traps
cleanup() {
	stop_all # the broker, the simulators, PostgreSQL
	[ -z "${with_rt:-}" ] || tests/rt/stop.sh "$var/rt" || true
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

# A real RT as supplier DeskCo: RT up first (its ports are the kernel's),
# then the demo chain with DeskCo and its component "desk" in var/.
with_rt=
if [ "${KETEN_DEMO_RT:-}" = 1 ]; then
	mkdir -p "$var"
	say "setting up Request Tracker in var/rt (installs request-tracker5 when missing)"
	KETEN_RT_CERTS="$var/certs" tests/rt/setup.sh "$var/rt" >/dev/null ||
		die "tests/rt/setup.sh failed" "$var/rt/apt.log"
	with_rt=1
	# shellcheck disable=SC1091
	. "$var/rt/env"
	export KETEN_SECRET_RT_TOKEN="$RT_TOKEN"
	# shellcheck disable=SC2016  # JavaScript, not shell
	node -e '
		const [file, url, user, field, queue] = process.argv.slice(1);
		const doc = JSON.parse(require("fs").readFileSync(file, "utf8"));
		doc.suppliers.push({ key: "deskco", name: "DeskCo", adapter: "rt", endpoint: url,
			secret_ref: "env:KETEN_SECRET_RT_TOKEN", auth: { kind: "bearer", scheme: "token" },
			delivery: { allow_addresses: ["loopback"] },
			poll: { interval_ms: 2000, overlap_ms: 60000 },
			mapping: { queues: { incident: queue }, reference_field: field,
				integration_user: user, requestor: "servicedesk@integrator.example" } });
		doc.services[0].components.push({ key: "desk", name: "Service desk", kind: "people",
			supplier: "deskco" });
		process.stdout.write(JSON.stringify(doc, null, 2));
	' "$chain" "$RT_URL" "$RT_USER" "$RT_FIELD" "$RT_QUEUE_INCIDENT" >"$var/chain-rt.json"
	chain="$var/chain-rt.json"
fi

# The demo suppliers, from the chain document: "key adapter port SECRET_ENV
# PUSH_ENV" lines (PUSH_ENV "-" when the supplier has no inbound secret).
# shellcheck disable=SC2016  # JavaScript, not shell
suppliers=$(node -e '
	const doc = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
	const env = (ref) => (/^env:([A-Z0-9_]+)$/.exec(ref || "") || [])[1];
	for (const s of doc.suppliers || []) {
		const m = /^https:\/\/127\.0\.0\.1:(\d+)(\/|$)/.exec(s.endpoint || "");
		const e = env(s.secret_ref), p = s.inbound ? env(s.inbound.secret_ref) : "-";
		if (!m || !e || !p) throw new Error(`supplier ${s.key}: endpoint must be https://127.0.0.1:PORT and every secret_ref env:NAME`);
		console.log(`${s.key} ${s.adapter} ${m[1]} ${e} ${p}`);
	}' "$chain" 2>&1) || die "cannot read the demo suppliers from ${chain#"$root/"}: $suppliers"
[ -n "$suppliers" ] || die "${chain#"$root/"} names no suppliers"

port_taken() { # true when something accepts connections on 127.0.0.1:$1
	timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}
taken=
for port in "$listen_port" $(awk '$2 != "rt" {print $3}' <<<"$suppliers"); do
	port_taken "$port" && taken="$taken $port"
done
[ -z "$taken" ] || die "port(s)$taken on 127.0.0.1 already in use (another \`make run\`?); stop what uses them and try again"

# ---------------------------------------------------------------- var/
owns_var=1
mkdir -p "$var"
rm -f "$var"/*.port "$var"/.*.port.*.tmp "$var/quickstart.env"
deploy/certs.sh "$var/certs" || die "deploy/certs.sh failed"
say "certificates in var/certs (CA: var/certs/ca.pem)"

# The suppliers' secrets, made once and kept in var/secrets.env (mode 600):
# a webhook supplier's Standard Webhooks secret, a ServiceNow's,
# TOPdesk's or TMF621 seller's API password and push token (password), a
# Jira's API token and webhook secret.
umask 077
touch "$var/secrets.env"
chmod 600 "$var/secrets.env"
# shellcheck disable=SC1091
. "$var/secrets.env"
new_secret() { # envname value-kind
	[ -z "${!1:-}" ] || return 0
	case $2 in
	whsec) printf "%s='whsec_%s'\n" "$1" "$(openssl rand -base64 24)" ;;
	*) printf "%s='%s'\n" "$1" "$(openssl rand -hex 16)" ;;
	esac >>"$var/secrets.env"
	say "new secret $1 in var/secrets.env"
}
while read -r key adapter port envname pushenv; do
	if [ "$adapter" = webhook ]; then
		new_secret "$envname" whsec
	else
		new_secret "$envname" password
	fi
	[ "$pushenv" = - ] || new_secret "$pushenv" token
done <<<"$suppliers"
set -a
# shellcheck disable=SC1091
. "$var/secrets.env"
set +a
umask 022

# ---------------------------------------------------------------- PostgreSQL
: >"$var/setup.log"
start_db keten "$var/setup.log"
say "throwaway PostgreSQL in $pgdir (removed at exit)"
import=$("$bin" chain import "$chain" 2>>"$var/setup.log") ||
	die "keten chain import ${chain#"$root/"} failed" "$var/setup.log"
printf '%s\n' "$import" >>"$var/setup.log"
service_id=$(awk '$1 == "service" && $2 == "acme-workplace" && $3 == "id" {print $4}' <<<"$import")
[ -n "$service_id" ] ||
	die "keten chain import printed no \"service acme-workplace id <uuid>\" line" "$var/setup.log"
say "demo chain imported (service acme-workplace is $service_id)"

# A month of closed tickets on acme-workplace (NetCo and HostCo legs,
# loaded with SQL as tests/bench/report-history.sql makes them), so that
# the reports (README "SLA and reports") have something to count.
history_ids=$(psql -h "$pgdir" -U postgres -d keten -XAtq -v ON_ERROR_STOP=1 -c \
	"SELECT (SELECT id FROM suppliers WHERE key = 'netco') || ' ' || (SELECT id FROM suppliers WHERE key = 'hostco')" \
	2>>"$var/setup.log") || die "could not read the demo suppliers' ids" "$var/setup.log"
read -r netco_id hostco_id <<<"$history_ids"
psql -h "$pgdir" -U postgres -d keten -Xq -v ON_ERROR_STOP=1 -v count=400 \
	-v first_at="$(date -u -d '30 days ago' +%Y-%m-%dT%H:00:00Z)" \
	-v last_at="$(date -u -d '1 day ago' +%Y-%m-%dT%H:00:00Z)" -v service="$service_id" \
	-v first="$netco_id" -v second="$hostco_id" -f tests/bench/report-history.sql \
	>>"$var/setup.log" 2>&1 || die "tests/bench/report-history.sql failed" "$var/setup.log"
say "a month of history loaded: 400 closed tickets on acme-workplace"

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

# ---------------------------------------------------------------- people (issue 15)
# Two demo sign-ins for the portal, with passwords made for this run.
newperson() { # email name password role [--customer KEY]
	local email=$1 name=$2 password=$3
	shift 3
	printf '%s\n' "$password" | "$bin" user create --email "$email" --name "$name" \
		--role "$@" --password-stdin >>"$var/setup.log" 2>&1 ||
		die "keten user create --email $email failed" "$var/setup.log"
}
customer_person=customer@acme.example
customer_password="acme-$(openssl rand -hex 8)"
integrator_person=integrator@keten.example
integrator_password="integrator-$(openssl rand -hex 8)"
newperson "$customer_person" "Ann Acme" "$customer_password" customer --customer acme
newperson "$integrator_person" "Ivo Integrator" "$integrator_password" integrator
say "people made: $customer_person (customer acme), $integrator_person (integrator)"

# ---------------------------------------------------------------- processes
start broker "$var/keten.log" env -u KETEN_LOG_LEVEL \
	KETEN_TLS_CERT="$var/certs/server.pem" KETEN_TLS_KEY="$var/certs/server.key" \
	KETEN_SUPPLIER_CA="$var/certs/ca.pem" KETEN_WEB_ROOT="$root/web" \
	"$bin" serve --listen "127.0.0.1:$listen_port" --port-file "$var/keten.port"
wait_port broker "$var/keten.port" "$var/keten.log"
say "broker listening on $url (log: var/keten.log)"
say "portal (web/) at $url/"

# The demo's rejection: HostCo says "not ours" to every new leg of the
# component "accounts" (account requests), 2 s after it got it, and the
# broker moves the ticket to NetCo, the component's alternate.
sim_flags() { # key: that supplier simulator's own flags, one a line
	case $1 in
	hostco) printf '%s\n' --reject-component accounts --reject-after-ms 2000 \
		--reject-reason "not ours: accounts are NetCo's" ;;
	esac
}
start_sim() { # key adapter port envname pushenv
	local key=$1 adapter=$2 port=$3 envname=$4 pushenv=$5 flags
	local common=(--cert "$var/certs/server.pem" --tls-key "$var/certs/server.key"
		--listen "127.0.0.1:$port" --port-file "$var/sim-$key.port"
		--broker-url "$url" --broker-ca "$var/certs/ca.pem")
	case $adapter in
	webhook)
		mapfile -t flags < <(sim_flags "$key")
		start "sim-$key" "$var/sim-$key.log" env SIM_SECRET="${!envname}" \
			node tests/sim/supplier-sim.mjs --key "$key" "${common[@]}" --advance-ms 3000 \
			${flags[@]+"${flags[@]}"} ;;
	servicenow)
		start "sim-$key" "$var/sim-$key.log" \
			env SIM_PASSWORD="${!envname}" SIM_TOKEN="${!pushenv}" \
			node tests/sim/servicenow-sim.mjs --key "$key" "${common[@]}" \
			--user svc.keten --push ;;
	topdesk)
		start "sim-$key" "$var/sim-$key.log" \
			env SIM_PASSWORD="${!envname}" SIM_PUSH_TOKEN="${!pushenv}" \
			node tests/sim/topdesk-sim.mjs --key "$key" "${common[@]}" --login keten ;;
	jira)
		# the official OpenAPI documents, when at hand, check every request
		local specs=${KETEN_SPECS:-$root/../shared/specs} check=()
		[ -f "$specs/jira/platform/swagger-v3.v3.json" ] || check=(--no-spec-check)
		start "sim-$key" "$var/sim-$key.log" \
			env SIM_API_TOKEN="${!envname}" SIM_WEBHOOK_SECRET="${!pushenv}" KETEN_SPECS="$specs" \
			node tests/sim/jira-sim.mjs --key "$key" "${common[@]}" --email keten@appco.example \
			${check[@]+"${check[@]}"} ;;

	tmf621) # a TMF621 v5 seller: it posts to the listener Keten registers (below)
		start "sim-$key" "$var/sim-$key.log" \
			env SIM_PASSWORD="${!envname}" SIM_LISTENER_PASSWORD="${!pushenv}" \
			node tests/sim/tmf621-sim.mjs --api-version 5 --login keten \
			--cert "$var/certs/server.pem" --tls-key "$var/certs/server.key" \
			--listen "127.0.0.1:$port" --port-file "$var/sim-$key.port" \
			--broker-ca "$var/certs/ca.pem" ;;
	rt) ;; # the real RT set up above
	*) die "the quick start has no simulator for adapter $adapter (supplier $key)" ;;
	esac
}
while read -r key adapter port envname pushenv; do
	start_sim "$key" "$adapter" "$port" "$envname" "$pushenv"
done <<<"$suppliers"
while read -r key adapter _; do
	[ "$adapter" != rt ] || continue
	wait_port "sim-$key" "$var/sim-$key.port" "$var/sim-$key.log"
	say "simulator $key ($adapter) listening on 127.0.0.1:$(cat "$var/sim-$key.port") (log: var/sim-$key.log)"
done <<<"$suppliers"
wait_ready broker "$url" "$var/certs/ca.pem" 30 "$var/keten.log"

# A TMF621 seller delivers its events to the listeners registered with its
# hub: Keten registers its inbound URL of each such supplier (the chain's
# inbound.callback) by itself, within a hub tick; wait until it did.
while read -r key adapter _; do
	[ "$adapter" = tmf621 ] || continue
	for _ in $(seq 60); do
		"$bin" supplier show "$key" >"$var/hub-$key.json" 2>>"$var/setup.log" &&
			grep -q '"state": "registered"' "$var/hub-$key.json" && break
		sleep 0.5
	done
	grep -q '"state": "registered"' "$var/hub-$key.json" ||
		die "keten did not register its listener with the hub of $key" "$var/keten.log"
	say "listener of $key registered with its hub ($(grep -o '"hub_id": "[^"]*"' "$var/hub-$key.json"))"
done <<<"$suppliers"

# ---------------------------------------------------------------- next steps
umask 077
{
	echo "# written by deploy/quickstart.sh; valid while that \`make run\` is running"
	printf 'export %s=%q\n' KETEN_URL "$url" KETEN_CACERT "$var/certs/ca.pem" \
		KETEN_INTEGRATOR_KEY "$integrator_key" KETEN_CUSTOMER_KEY "$customer_key" \
		KETEN_OTHER_CUSTOMER_KEY "$other_customer_key" \
		KETEN_SUPPLIER_KEY "$supplier_key" KETEN_SERVICE_ID "$service_id" \
		KETEN_OPS_TOKEN "$ops_token"
	printf 'export %s=%q\n' KETEN_PORTAL_URL "https://localhost:$listen_port/" \
		KETEN_CUSTOMER_EMAIL "$customer_person" KETEN_CUSTOMER_PASSWORD "$customer_password" \
		KETEN_INTEGRATOR_EMAIL "$integrator_person" KETEN_INTEGRATOR_PASSWORD "$integrator_password"
} >"$var/quickstart.env"
umask 022

cat <<EOF

Keten is ready at $url. In another terminal:

The portal: https://localhost:$listen_port/ (trust var/certs/ca.pem, or accept the warning)
  sign in as customer acme: $customer_person / $customer_password
  sign in as the integrator: $integrator_person / $integrator_password

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

  # as customer acme: request an account. HostCo, whose component "accounts" routes it,
  # rejects it by itself after 2 s ("not ours") and the broker re-routes it to NetCo
  A=\$(curl -sS --cacert "\$KETEN_CACERT" -H "Authorization: Bearer \$KETEN_CUSTOMER_KEY" \\
    -H 'Content-Type: application/json' "\$KETEN_URL/v1/tickets" \\
    -d '{"service": "'"\$KETEN_SERVICE_ID"'", "type": "request", "category": "account",
         "summary": "Account for a new colleague", "description": "J. Jansen starts Monday.",
         "impact": 3, "urgency": 3}' |
    node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).id'); echo "ticket \$A"

  # a few seconds later, as the integrator: HostCo's leg ended "rejected", NetCo's is open,
  # and the timeline says why (rejected, rerouted with the reason and the hop)
  sleep 4; curl -sS --cacert "\$KETEN_CACERT" -H "Authorization: Bearer \$KETEN_INTEGRATOR_KEY" \\
    "\$KETEN_URL/v1/tickets/\$A" | node -pe 'const t = JSON.parse(require("fs").readFileSync(0, "utf8"));
      t.legs.map((l) => "leg " + l.supplier.key + ": " + l.status + " " + (l.ended || ""))
       .concat(t.timeline.filter((e) => ["rejected", "rerouted"].includes(e.kind))
         .map((e) => e.kind + ": " + e.data.reason)).join("\n")'

  # the suppliers that run a ticket system of their own (its simulator) go through the same
  # steps: an incident on a component is filed there; the supplier's agent takes it up (the
  # simulator's /_sim/change, the leg's external id under the field it names); the status
  # and the public comments come back to the customer
  demo() { # COMPONENT SUMMARY DESCRIPTION IMPACT URGENCY SIM_PORT ID_FIELD CHANGE
    local t x
    t=\$(curl -sS --cacert "\$KETEN_CACERT" -H "Authorization: Bearer \$KETEN_CUSTOMER_KEY" \\
      -H 'Content-Type: application/json' "\$KETEN_URL/v1/tickets" \\
      -d '{"service": "'"\$KETEN_SERVICE_ID"'", "type": "incident", "component": "'"\$1"'",
           "summary": "'"\$2"'", "description": "'"\$3"'", "impact": '"\$4"', "urgency": '"\$5"'}' |
      node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).id'); echo "ticket \$t"
    sleep 2; x=\$(curl -sS --cacert "\$KETEN_CACERT" -H "Authorization: Bearer \$KETEN_INTEGRATOR_KEY" \\
      "\$KETEN_URL/v1/tickets/\$t" | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).legs[0].external_id')
    echo "at the supplier: \$x"
    curl -sS --cacert "\$KETEN_CACERT" -H 'Content-Type: application/json' "https://127.0.0.1:\$6/_sim/change" \\
      -d '{"'"\$7"'": "'"\$x"'", '"\$8"'}' >/dev/null
    sleep 2; curl -sS --cacert "\$KETEN_CACERT" -H "Authorization: Bearer \$KETEN_CUSTOMER_KEY" \\
      "\$KETEN_URL/v1/tickets/\$t" | node -pe 'const t = JSON.parse(require("fs").readFileSync(0, "utf8"));
        [t.status].concat(t.timeline.filter((e) => e.text).map((e) => e.kind + ": " + e.text)).join("\\n")'
  }

  # a printer incident goes to ServCo, which runs ServiceNow: the broker creates it in the
  # incident table through the Table API, with our reference; a user takes it up and writes
  # to the caller, the business rules push both back, and the customer sees the status and
  # the public comment (not the work note)
  demo printing "Printer on floor 2 jams" "Every job since 10:00." 3 2 9103 sys_id \\
    '"fields": {"state": "2"}, "comment": "A technician comes at 14:00.", "work_note": "spare part from stock"'
  curl -sS --cacert "\$KETEN_CACERT" "https://127.0.0.1:9103/_sim/records?table=incident" |
    node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).map((r) => r.number + " " +
      r.short_description + " correlation_id " + r.correlation_id).join("\\n")'

  # a broken door goes to FacilityCo, which runs TOPdesk: an incident with call type
  # Storing; an operator takes it up with a note for the caller, the automated action
  # pushes it back
  demo building "Front door does not close" "Since this morning." 3 2 9104 incident \\
    '"processingStatus": "In behandeling", "action": "The locksmith comes at 15:00.", "invisible": false'

  # a CRM incident goes to AppCo, which runs Jira Service Management: a request of type 10
  # in service desk 1, our reference as a label; an agent starts work and answers the
  # customer, and the signed webhooks bring both back
  demo crm "CRM shows no customers" "Since the 09:00 release." 2 2 9105 issue \\
    '"status": "In Progress", "comment": "We roll the release back now."'

  # a fibre outage goes to FibreCo, a TM Forum TMF621 v5 seller: a TroubleTicket of
  # ticketType Incident with our reference; the seller's agent takes it up with a note, and
  # its hub posts the events to Keten's listener
  demo fibre "No light on the Utrecht line" "Since 07:40." 2 1 9106 ticket \\
    '"status": "inProgress", "note": {"text": "Field engineer dispatched."}'

  # the other customer (globex) does not see it: 404
  curl -sS -w ' HTTP %{http_code}\n' --cacert "\$KETEN_CACERT" \\
    -H "Authorization: Bearer \$KETEN_OTHER_CUSTOMER_KEY" "\$KETEN_URL/v1/tickets/\$T"

  # the last 30 days of Workplace Acme as its customer reads them (availability, MTRS,
  # MTBF, MTBSI, SLA compliance, who held the breached tickets; HostCo hides its name),
  # and NetCo's scorecard as the integrator reads it, as CSV
  curl -sS --cacert "\$KETEN_CACERT" -H "Authorization: Bearer \$KETEN_CUSTOMER_KEY" \\
    "\$KETEN_URL/v1/reports/services/acme-workplace?from=\$(date -u -d '30 days ago' +%F)&to=\$(date -u +%F)"
  curl -sS --cacert "\$KETEN_CACERT" -H "Authorization: Bearer \$KETEN_INTEGRATOR_KEY" \\
    "\$KETEN_URL/v1/reports/suppliers/netco?from=\$(date -u -d '30 days ago' +%F)&to=\$(date -u +%F)&format=csv"

Logs: var/keten.log, var/sim-*.log. Ctrl-C here stops everything.
EOF
if [ -n "$with_rt" ]; then
	cat <<EOF

DeskCo runs a real Request Tracker at $RT_URL (REST2; agent "$RT_AGENT", password
in var/rt/password), polled every 2 s:

  # an incident on the component "desk" lands in RT's queue $RT_QUEUE_INCIDENT
  R=\$(curl -sS --cacert "\$KETEN_CACERT" -H "Authorization: Bearer \$KETEN_CUSTOMER_KEY" \\
    -H 'Content-Type: application/json' "\$KETEN_URL/v1/tickets" \\
    -d '{"service": "'"\$KETEN_SERVICE_ID"'", "type": "incident", "component": "desk",
         "summary": "Laptop will not boot", "description": "Since the update.", "impact": 3, "urgency": 2}' |
    node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).id'); echo "ticket \$R"
  sleep 2; X=\$(curl -sS --cacert "\$KETEN_CACERT" -H "Authorization: Bearer \$KETEN_INTEGRATOR_KEY" \\
    "\$KETEN_URL/v1/tickets/\$R" | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).legs[0].external_id')

  # the agent replies in RT; the reply (and RT opening the ticket) comes back by polling
  curl -sS --cacert "\$KETEN_CACERT" -u "$RT_AGENT:\$(cat var/rt/password)" -H 'Content-Type: application/json' \\
    "$RT_URL/REST/2.0/ticket/\$X/correspond" -d '{"Content": "Bring it to desk 3 at 14:00.", "ContentType": "text/plain"}'
  sleep 5; curl -sS --cacert "\$KETEN_CACERT" -H "Authorization: Bearer \$KETEN_CUSTOMER_KEY" \\
    "\$KETEN_URL/v1/tickets/\$R" | node -pe 'const t = JSON.parse(require("fs").readFileSync(0, "utf8"));
      [t.status].concat(t.timeline.filter((e) => e.text).map((e) => e.kind + ": " + e.text)).join("\\n")'
EOF
fi

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
	gone "$name" || continue
	if [ "$rc" -ne 0 ]; then
		log="$var/keten.log"
		[ "$name" = broker ] || log="$var/$name.log"
		die "$name exited unexpectedly (status $rc); stopping the rest" "$log"
	fi
	stopped="$stopped $name"
done
say "stopped from outside:$stopped"
on_signal
