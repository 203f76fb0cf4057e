#!/usr/bin/env bash
# run.sh - `make test-deb`: installs build/deb/keten_*.deb into a clean
# Debian 12 made by mmdebstrap (so every dependency comes from the package's
# own Depends), checks what it put where, verifies the unit with
# `systemd-analyze verify`, then runs the service the way its unit says
# (ExecStart, User, Environment, LoadCredential= emulated: there is no
# systemd inside a chroot) against a throwaway PostgreSQL on the host whose
# socket is mounted where the shipped keten.conf looks for it. Then: the
# demo chain, a ticket through the API, SIGTERM, and a purge.
# Needs root (chroot, mount). Prints one line per check; exits 1 on the first
# failure with the end of the log that explains it.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR/../.. source=tests/lib/procs.sh
. "$(dirname "$0")/../lib/procs.sh"
script_init test-deb
[ "$(id -u)" -eq 0 ] || die "needs root (chroot, mount)"

deb=$(ls build/deb/keten_*.deb 2>/dev/null | head -n1)
[ -n "$deb" ] || die "no build/deb/keten_*.deb: run make deb"
work=$(mktemp -d /tmp/ktdeb.XXXXXX)
chroot_dir="$work/root"
log="$work/test.log"
mounted=

cleanup() {
	stop_all
	[ -z "$mounted" ] || umount "$chroot_dir/run/postgresql" 2>/dev/null || true
	if [ "${KETEN_KEEP_DEB_ROOT:-}" = 1 ]; then say "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
ok() { say "ok: $*"; }
in_root() { chroot "$chroot_dir" "$@"; }

# ------------------------------------------------------------ install
say "making a clean Debian 12 and installing $(basename "$deb") (about a minute)"
mmdebstrap --variant=apt --include=ca-certificates,curl,systemd \
	--customize-hook="copy-in $deb /tmp" \
	--customize-hook="chroot \"\$1\" apt-get install -y -q /tmp/$(basename "$deb")" \
	bookworm "$chroot_dir" http://deb.debian.org/debian >"$log" 2>&1 ||
	die "mmdebstrap or the package's installation failed" "$log"
ok "installed with its dependencies from Debian 12"

for f in /usr/bin/keten /etc/keten/keten.conf /lib/systemd/system/keten.service \
	/usr/share/man/man1/keten.1.gz /usr/share/keten/schemas/chain.schema.json \
	/usr/share/keten/schemas/openapi.json /usr/share/keten/schemas/adapters/jira.json \
	/usr/share/keten/web/index.html /usr/share/keten/web/vendor/uplot/dist/uPlot.esm.js; do
	[ -e "$chroot_dir$f" ] || die "the package did not install $f"
done
zcat "$chroot_dir/usr/share/man/man1/keten.1.gz" | grep -q 'database_url' ||
	die "the man page lacks the settings of keten serve --help"
ok "binary, unit, configuration, schemas and man page in place"

shell=$(in_root getent passwd keten | cut -d: -f7)
[ "$shell" = /usr/sbin/nologin ] || die "the keten user is missing or can log in (shell: ${shell:-none})"
conf_mode=$(in_root stat -c '%a %U:%G' /etc/keten/keten.conf)
[ "$conf_mode" = "640 root:keten" ] || die "keten.conf is $conf_mode, not 640 root:keten"
in_root systemctl is-enabled keten.service >/dev/null 2>&1 &&
	die "the unit is enabled on install, before it has a database and a key"
ok "system user keten (no login), keten.conf 640 root:keten, unit not enabled"

unit="$chroot_dir/lib/systemd/system/keten.service"
systemd-analyze verify --root="$chroot_dir" --man=no keten.service >"$work/verify.log" 2>&1 ||
	die "systemd-analyze verify refused the unit" "$work/verify.log"
for opt in ProtectSystem=strict NoNewPrivileges=yes PrivateTmp=yes User=keten \
	LoadCredential=; do
	grep -q "^$opt" "$unit" || die "the unit lacks $opt"
done
ok "systemd-analyze verify accepts the unit; it is hardened and runs as keten"

# ------------------------------------------------------------ database
pgdir=$("$root/tests/lib/pg.sh" start) || die "could not start PostgreSQL (tests/lib/pg.sh)"
psql -h "$pgdir" -U postgres -d postgres -XAtq -v ON_ERROR_STOP=1 \
	-c "CREATE ROLE keten LOGIN" -c "CREATE DATABASE keten OWNER keten" >>"$log" 2>&1 ||
	die "could not make the keten role and database" "$log"
mkdir -p "$chroot_dir/run/postgresql"
mount --bind "$pgdir" "$chroot_dir/run/postgresql"
mounted=1
in_root runuser -u keten -- keten migrate --config /etc/keten/keten.conf >>"$log" 2>&1 ||
	die "keten migrate with the shipped keten.conf failed" "$log"
ok "keten migrate as the keten user with the shipped keten.conf"

# ------------------------------------------------------------ the service
"$root/deploy/certs.sh" "$work/certs" >>"$log" 2>&1 || die "deploy/certs.sh failed" "$log"
mkdir -p "$chroot_dir/etc/keten/tls"
cp "$work/certs/server.pem" "$chroot_dir/etc/keten/tls/cert.pem"
install -m 600 "$work/certs/server.key" "$chroot_dir/etc/keten/tls/key.pem"

# What systemd would do for LoadCredential=NAME:PATH: a private copy the
# service user can read, in $CREDENTIALS_DIRECTORY (%d in the unit).
# The ops token goes where the shipped keten.conf names it, not through
# the script's own environment.
unset KETEN_OPS_TOKEN_REF KETEN_SECRET_OPS_TOKEN
install -m 600 /dev/null "$chroot_dir/etc/keten/secrets/ops-token"
printf '%s' "$ops_token" >"$chroot_dir/etc/keten/secrets/ops-token"
creds=/run/credentials/keten.service
mkdir -p "$chroot_dir$creds"
grep '^LoadCredential=' "$unit" | while IFS= read -r line; do
	spec=${line#LoadCredential=}
	id=${spec%%:*} src="$chroot_dir${spec#*:}"
	if [ -d "$src" ]; then # a folder: each file as ID_FILE
		for f in "$src"/*; do
			[ -f "$f" ] && install -m 400 "$f" "$chroot_dir$creds/${id}_$(basename "$f")"
		done
	else
		install -m 400 "$src" "$chroot_dir$creds/$id"
	fi
done
in_root chown -R keten:keten "$creds"
# What systemd does for StateDirectory=: /var/lib/<name>, the user's own
# (the node's state_dir in the shipped keten.conf).
state_dir=/var/lib/$(sed -n 's/^StateDirectory=//p' "$unit")
mkdir -p -m 700 "$chroot_dir$state_dir"
in_root chown keten:keten "$state_dir"

exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
user=$(sed -n 's/^User=//p' "$unit")
env_args=()
while IFS= read -r line; do
	env_args+=("${line//%d/$creds}")
done < <(sed -n 's/^Environment=//p' "$unit")
mkdir -p "$chroot_dir/run/keten-test"
in_root chown keten: /run/keten-test
# The test's own port (8443 may be taken on a shared machine) and port file.
env_args+=(KETEN_LISTEN=127.0.0.1:0 KETEN_PORT_FILE=/run/keten-test/port
	CREDENTIALS_DIRECTORY="$creds")
read -r -a cmd <<<"$exec_start"
# setpriv execs (runuser would stay as a parent and turn SIGTERM into a kill).
start keten "$work/keten.log" chroot "$chroot_dir" setpriv --reuid="$user" --regid="$user" \
	--init-groups -- env "${env_args[@]}" "${cmd[@]}"
wait_port keten "$chroot_dir/run/keten-test/port" "$work/keten.log"
url="https://127.0.0.1:$(cat "$chroot_dir/run/keten-test/port")"
wait_ready keten "$url" "$work/certs/ca.pem" 20 "$work/keten.log"
ok "the unit's ExecStart serves as $user with the TLS key and the ops token from its credentials"

cp "$root/deploy/demo-chain.json" "$chroot_dir/tmp/chain.json"
in_root runuser -u keten -- keten chain import --config /etc/keten/keten.conf \
	/tmp/chain.json >>"$log" 2>&1 || die "keten chain import failed" "$log"
key=$(in_root runuser -u keten -- keten key create --config /etc/keten/keten.conf \
	--role customer --customer acme 2>>"$log") || die "keten key create failed" "$log"
service=$(psql -h "$pgdir" -U postgres -d keten -XAtq \
	-c "SELECT id FROM services WHERE key = 'acme-workplace'")
code=$(curl -sS -o "$work/ticket.json" -w '%{http_code}' --cacert "$work/certs/ca.pem" \
	-H "Authorization: Bearer $key" -H 'Content-Type: application/json' "$url/v1/tickets" \
	-d '{"service": "'"$service"'", "type": "incident", "summary": "VPN down",
	     "description": "from the packaged broker", "impact": 2, "urgency": 1}')
[ "$code" = 201 ] || die "POST /v1/tickets answered $code" "$work/ticket.json"
stored=$(psql -h "$pgdir" -U postgres -d keten -XAtq -c "SELECT count(*) FROM tickets")
[ "$stored" = 1 ] || die "the database holds $stored tickets, not 1"
ok "chain import, key create and a ticket (201, stored) through the packaged broker"

kill -TERM "${pids[keten]}"
for ((i = 0; i < 150; i++)); do gone keten && break; sleep 0.1; done
[ -z "${pids[keten]:-}" ] || die "keten did not stop within 15 s of SIGTERM" "$work/keten.log"
[ "$rc" = 0 ] || die "keten exited $rc on SIGTERM" "$work/keten.log"
grep -q '^{' "$work/keten.log" || die "the service's log is not JSON lines" "$work/keten.log"
ok "SIGTERM stops it with status 0; its log is JSON lines on stderr"

# ------------------------------------------------------------ purge
umount "$chroot_dir/run/postgresql"
mounted=
in_root apt-get purge -y -q keten >>"$log" 2>&1 || die "apt-get purge keten failed" "$log"
in_root getent passwd keten >/dev/null && die "purge left the keten user"
[ ! -e "$chroot_dir/etc/keten/keten.conf" ] || die "purge left /etc/keten/keten.conf"
[ ! -e "$chroot_dir/etc/keten/secrets" ] || die "purge left /etc/keten/secrets"
ok "purge removes the configuration and the keten user"
say "passed"
