#!/usr/bin/env bash
# setup.sh - a real Request Tracker for the RT suite: Debian's
# request-tracker5 (RT 5.0.3) with its SQLite backend and its standalone
# server (rt-server, Starlet) on 127.0.0.1, plain HTTP, behind Debian's
# stunnel4 for TLS with the test CA's server certificate. Idempotent:
# packages are installed only when missing, the database is made only
# when DIR has none, and a server that still runs is kept.
#
#   setup.sh DIR     (DIR default var/rt)
#
# DIR gets rt.db, RT's configuration, the logs, the pid files, and `env`,
# a shell file the tests read:
#   RT_URL        https://127.0.0.1:<tls port> (REST2 is at $RT_URL/REST/2.0)
#   RT_HTTP_PORT  RT's own plain port; RT_TLS_PORT stunnel's
#   RT_CA         the CA that signed stunnel's certificate
#   RT_USER RT_PASSWORD RT_TOKEN   Keten's RT user, its password and auth token
#   RT_AGENT      an RT user (same password) who acts as a supplier's engineer
#   RT_FIELD      the custom field holding Keten's reference
#   RT_QUEUE_<TYPE>  the queue of each ticket type (keten-incident, ...)
# RT's mail is off ($MailCommand does nothing), so no MTA runs; Debian's
# package still needs one installed, msmtp-mta, which nothing calls.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:-$root/var/rt}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
certs=${KETEN_RT_CERTS:-$dir/certs}

packages=(request-tracker5 rt5-standalone rt5-db-sqlite dbconfig-no-thanks msmtp-mta stunnel4)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "rt: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q --no-install-recommends "${missing[@]}" >"$dir/apt.log" 2>&1 || {
		apt-get update -q >>"$dir/apt.log" 2>&1
		apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$dir/apt.log" 2>&1
	} || { tail -20 "$dir/apt.log" >&2; exit 1; }
fi

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
if alive "$dir/rt.pid" && alive "$dir/stunnel.pid" && [ -f "$dir/env" ]; then
	cat "$dir/env"
	exit 0
fi
"$root/tests/rt/stop.sh" "$dir"

"$root/deploy/certs.sh" "$certs" >/dev/null
[ -f "$dir/password" ] || head -c 18 /dev/urandom | base64 | tr '+/' 'xy' >"$dir/password"
chmod 600 "$dir/password"
password=$(cat "$dir/password")

# Two free loopback ports, asked of the kernel.
read -r http_port tls_port < <(perl -MIO::Socket::INET -e '
	my @s = map { IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0,
		Listen => 1) or die "no port: $!\n" } 1 .. 2;
	print join(" ", map { $_->sockport } @s), "\n";')

mkdir -p "$dir/site.d"
cat >"$dir/RT_SiteConfig.pm" <<EOF
# Written by tests/rt/setup.sh; RT_SITE_CONFIG_DIR points at the empty
# site.d, so Debian's /etc/request-tracker5 snippets are not read.
Set(\$rtname, 'keten-rt-test');
Set(\$Organization, 'rt.test');
Set(\$Timezone, 'UTC');
Set(\$WebPath, '');
Set(\$WebDomain, '127.0.0.1');
Set(\$WebPort, $tls_port);
Set(\$WebBaseURL, 'https://127.0.0.1:$tls_port');
Set(\$DatabaseType, 'SQLite');
Set(\$DatabaseName, '$dir/rt.db');
Set(\$MailCommand, sub { 1 });
Set(\$LogToSyslog, undef);
Set(\$LogToSTDERR, 'warning');
Set(\$LogToFile, 'warning');
Set(\$LogDir, '$dir');
Set(\$LogToFileNamed, 'rt.log');
1;
EOF
export RT_SITE_CONFIG="$dir/RT_SiteConfig.pm" RT_SITE_CONFIG_DIR="$dir/site.d"

if [ ! -s "$dir/rt.db" ]; then
	rm -f "$dir/rt.db" "$dir/token"
	rt-setup-database-5 --action init --skip-create >"$dir/init.log" 2>&1 </dev/null ||
		{ rm -f "$dir/rt.db"; tail -20 "$dir/init.log" >&2; exit 1; }
	KETEN_RT_PASSWORD=$password KETEN_RT_TOKEN_FILE="$dir/token" \
		rt-setup-database-5 --action insert --datafile "$root/tests/rt/initialdata.pl" \
		>>"$dir/init.log" 2>&1 </dev/null ||
		{ rm -f "$dir/rt.db"; tail -20 "$dir/init.log" >&2; exit 1; }
fi

setsid /usr/share/request-tracker5/libexec/rt-server --server Starlet \
	--host 127.0.0.1 --port "$http_port" --max-workers 2 \
	>"$dir/rt-server.log" 2>&1 </dev/null &
echo $! >"$dir/rt.pid"

cat >"$dir/stunnel.conf" <<EOF
foreground = yes
pid =
output = $dir/stunnel.log
[rt]
accept = 127.0.0.1:$tls_port
connect = 127.0.0.1:$http_port
cert = $certs/server.pem
key = $certs/server.key
EOF
setsid stunnel4 "$dir/stunnel.conf" >/dev/null 2>&1 </dev/null &
echo $! >"$dir/stunnel.pid"

# RT answers once its workers have loaded (REST2 says 401 without auth).
for _ in $(seq 1 300); do
	code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$certs/ca.pem" \
		"https://127.0.0.1:$tls_port/REST/2.0/rt" || true)
	[ "$code" = 401 ] && break
	alive "$dir/rt.pid" || { tail -20 "$dir/rt-server.log" >&2; exit 1; }
	sleep 0.2
done
[ "$code" = 401 ] || { echo "rt: no answer on $tls_port (last: $code)" >&2; exit 1; }

cat >"$dir/env.tmp" <<EOF
RT_URL=https://127.0.0.1:$tls_port
RT_HTTP_PORT=$http_port
RT_TLS_PORT=$tls_port
RT_CA=$certs/ca.pem
RT_USER=keten
RT_PASSWORD=$password
RT_TOKEN=$(cat "$dir/token")
RT_AGENT=agent
RT_FIELD='Keten reference'
RT_QUEUE_INCIDENT=keten-incident
RT_QUEUE_REQUEST=keten-request
RT_QUEUE_CHANGE=keten-change
RT_QUEUE_PROBLEM=keten-problem
EOF
mv "$dir/env.tmp" "$dir/env"
cat "$dir/env"
