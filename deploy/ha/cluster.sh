#!/usr/bin/env bash
# cluster.sh - Keten's PostgreSQL high-availability layout on one machine,
# for the HA suite and for trying it out: a three-member etcd and three
# PostgreSQL 15 members run by Patroni in synchronous mode, all on
# loopback, all in DIR (Debian's etcd-server and patroni packages).
#   cluster.sh start DIR        start it; waits for a leader and a sync standby;
#                               writes DIR/env (KETEN_HA_DSN, the ports)
#   cluster.sh stop DIR         stop everything, remove DIR
#   cluster.sh member DIR NAME  start member NAME's Patroni again (after a kill)
#   cluster.sh members DIR      one line per member: name role state lag
#   cluster.sh pids DIR NAME    pids of member NAME's Patroni and postmaster
# Ports: HA_PORT_BASE (default 25400) + 1..3 etcd clients, 11..13 etcd
# peers, 21..23 PostgreSQL, 31..33 Patroni's REST API. HA_TTL (default 10)
# is Patroni's leader lease in seconds (loop_wait 1, retry_timeout 3).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd -P)
base=${HA_PORT_BASE:-25400}
members=(pg1 pg2 pg3)

as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
die() { echo "cluster.sh: $*" >&2; exit 1; }
api_port() { echo $((base + 31 + ${1#pg} - 1)); }

# members DIR: name role state lag, from the first member's REST API that answers.
list_members() {
	local i
	for i in 1 2 3; do
		curl -fsS --max-time 2 "http://127.0.0.1:$((base + 30 + i))/cluster" 2>/dev/null &&
			return 0
	done
	return 1
}
members_table() {
	list_members | /usr/bin/python3 -c '
import json, sys
for m in json.load(sys.stdin)["members"]:
    print(m["name"], m["role"], m["state"], m.get("lag", 0))'
}

start_member() { # DIR NAME
	local dir=$1 name=$2
	as_pg bash -c "nohup patroni '$dir/$name.yml' >>'$dir/$name.log' 2>&1 & echo \$! >'$dir/$name.patroni.pid'"
}

case "${1:-}" in
start)
	dir=${2:?usage: cluster.sh start DIR}
	mkdir -p "$dir"
	chmod 755 "$dir"
	ttl=${HA_TTL:-10}
	etcd_hosts=127.0.0.1:$((base + 1)),127.0.0.1:$((base + 2)),127.0.0.1:$((base + 3))
	peers=e1=http://127.0.0.1:$((base + 11)),e2=http://127.0.0.1:$((base + 12)),e3=http://127.0.0.1:$((base + 13))
	for i in 1 2 3; do
		nohup etcd --name "e$i" --data-dir "$dir/etcd$i" \
			--listen-client-urls "http://127.0.0.1:$((base + i))" \
			--advertise-client-urls "http://127.0.0.1:$((base + i))" \
			--listen-peer-urls "http://127.0.0.1:$((base + 10 + i))" \
			--initial-advertise-peer-urls "http://127.0.0.1:$((base + 10 + i))" \
			--initial-cluster "$peers" --initial-cluster-token keten-ha \
			--initial-cluster-state new >"$dir/etcd$i.log" 2>&1 &
		echo $! >"$dir/etcd$i.pid"
	done
	for ((t = 0; t < 300; t++)); do
		ETCDCTL_API=3 etcdctl --endpoints="$etcd_hosts" endpoint health >/dev/null 2>&1 && break
		sleep 0.1
	done
	ETCDCTL_API=3 etcdctl --endpoints="$etcd_hosts" endpoint health >/dev/null 2>&1 ||
		die "etcd did not become healthy in 30 s (see $dir/etcd*.log)"
	[ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
	for name in "${members[@]}"; do
		i=${name#pg}
		sed -e "s|@NAME@|$name|g" -e "s|@DIR@|$dir|g" -e "s|@DATA@|$dir/$name|g" \
			-e "s|@ETCD_HOSTS@|$etcd_hosts|g" -e "s|@TTL@|$ttl|g" \
			-e "s|@LOOP_WAIT@|1|g" -e "s|@RETRY_TIMEOUT@|3|g" \
			-e "s|@PG_PORT@|$((base + 20 + i))|g" -e "s|@API_PORT@|$((base + 30 + i))|g" \
			"$here/patroni.yml.in" >"$dir/$name.yml"
		[ "$(id -u)" -eq 0 ] && chown postgres: "$dir/$name.yml"
		start_member "$dir" "$name"
		# The first member bootstraps alone; the others clone from it.
		[ "$name" = pg1 ] && for ((t = 0; t < 600; t++)); do
			members_table 2>/dev/null | grep -q ' leader running' && break
			sleep 0.1
		done
	done
	for ((t = 0; t < 1200; t++)); do
		table=$(members_table 2>/dev/null || true)
		# Patroni 3.0 says "running" of a replica; later releases "streaming".
		if grep -q ' leader running' <<<"$table" && grep -q -E ' sync_standby (running|streaming)' <<<"$table" &&
			[ "$(grep -c -E 'streaming|running' <<<"$table")" -eq 3 ]; then
			break
		fi
		sleep 0.1
	done
	grep -q -E ' sync_standby (running|streaming)' <<<"$table" ||
		die "no leader with a streaming sync standby in 120 s: $table (see $dir/pg*.log)"
	hosts=127.0.0.1,127.0.0.1,127.0.0.1
	ports=$((base + 21)),$((base + 22)),$((base + 23))
	cat >"$dir/env" <<ENV
KETEN_HA_DIR=$dir
KETEN_HA_HOSTS=$hosts
KETEN_HA_PORTS=$ports
KETEN_HA_API_PORTS=$((base + 31)),$((base + 32)),$((base + 33))
KETEN_HA_DSN="host=$hosts port=$ports user=postgres password=keten-ha-test target_session_attrs=read-write connect_timeout=2"
ENV
	echo "cluster.sh: up in $dir"
	members_table
	;;
member)
	dir=${2:?usage: cluster.sh member DIR NAME}
	start_member "$dir" "${3:?usage: cluster.sh member DIR NAME}"
	;;
members)
	base=${HA_PORT_BASE:-25400}
	members_table
	;;
pids)
	dir=${2:?usage: cluster.sh pids DIR NAME}
	name=${3:?usage: cluster.sh pids DIR NAME}
	echo "$(cat "$dir/$name.patroni.pid") $(head -n1 "$dir/$name/postmaster.pid" 2>/dev/null || true)"
	;;
stop)
	dir=${2:?usage: cluster.sh stop DIR}
	for name in "${members[@]}"; do
		[ -f "$dir/$name.patroni.pid" ] && kill -TERM "$(cat "$dir/$name.patroni.pid")" 2>/dev/null || true
	done
	for ((t = 0; t < 100; t++)); do
		alive=
		for name in "${members[@]}"; do
			[ -f "$dir/$name.patroni.pid" ] && kill -0 "$(cat "$dir/$name.patroni.pid")" 2>/dev/null && alive=1
		done
		[ -z "$alive" ] && break
		sleep 0.1
	done
	for name in "${members[@]}"; do
		[ -f "$dir/$name.patroni.pid" ] && kill -KILL "$(cat "$dir/$name.patroni.pid")" 2>/dev/null || true
		[ -f "$dir/$name/postmaster.pid" ] &&
			kill -KILL "$(head -n1 "$dir/$name/postmaster.pid")" 2>/dev/null || true
	done
	for i in 1 2 3; do
		[ -f "$dir/etcd$i.pid" ] && kill -TERM "$(cat "$dir/etcd$i.pid")" 2>/dev/null || true
	done
	sleep 0.5
	case "$dir" in /tmp/ktha.*) rm -rf "$dir" ;; esac
	;;
*)
	echo "usage: cluster.sh start|stop|member|members|pids DIR ..." >&2
	exit 2
	;;
esac
