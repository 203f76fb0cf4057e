#!/usr/bin/env bash
# run.sh - `make test-ha`: Keten on PostgreSQL made highly available by
# Patroni and etcd (deploy/ha/cluster.sh: three members, synchronous mode,
# on loopback; installs Debian's patroni, etcd-server and etcd-client when
# missing), then tests/ha/*.test.mjs through the system test runner with
# the cluster's multi-host connection string in KETEN_HA_DSN. The cluster
# is stopped however the tests end.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${KETEN_BIN:?KETEN_BIN must name the keten binary}"

missing=()
for p in patroni etcd-server etcd-client; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "test-ha: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Ten free ports in a row from a random base, for the etcd, PostgreSQL and
# Patroni members (cluster.sh: base + 1..33).
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for ((try = 0; try < 50; try++)); do
	base=$((20000 + RANDOM % 20000))
	ok=1
	for off in 1 2 3 11 12 13 21 22 23 31 32 33; do port_free $((base + off)) || { ok=; break; }; done
	[ -n "$ok" ] && break
done
export HA_PORT_BASE=$base

dir=$(mktemp -d /tmp/ktha.XXXXXX)
cleanup() { deploy/ha/cluster.sh stop "$dir" || true; }
trap cleanup EXIT
trap 'exit 130' INT TERM
start=$(date +%s%3N)
deploy/ha/cluster.sh start "$dir"
echo "test-ha: cluster up in $(( $(date +%s%3N) - start )) ms"
set -a
# shellcheck source=/dev/null
. "$dir/env"
set +a
export KETEN_HA_CLUSTER="$(pwd -P)/deploy/ha/cluster.sh"
KETEN_TEST_FILES="${KETEN_TEST_FILES:-$(ls tests/ha/*.test.mjs)}" KETEN_TEST_CONCURRENCY=1 \
	tests/system/run.sh
