#!/usr/bin/env bash
# deps.sh - install what Keten needs to build, test and run on Debian 12:
# the -dev libraries, PostgreSQL 15, Node.js (simulators, system tests) and
# the npm packages of tests/; `deps.sh fuzz` adds clang and libFuzzer's
# runtime (not pulled in without recommends); `deps.sh deb` what building
# the Debian package and testing it in a clean chroot need; `deps.sh
# browser` Chromium for the browser tests. Idempotent; silent when
# everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(build-essential pkg-config libevent-dev libcurl4-openssl-dev
      libjansson-dev libpq-dev libssl-dev libcmocka-dev postgresql-15
      openssl ca-certificates curl wrk)
command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
command -v npm >/dev/null 2>&1 || pkgs+=(npm)
[ "${1:-}" = fuzz ] && pkgs+=(clang libclang-rt-14-dev)
[ "${1:-}" = deb ] && pkgs+=(debhelper help2man dpkg-dev mmdebstrap)
# `deps.sh browser`: Debian's Chromium for the portal's browser tests
[ "${1:-}" = browser ] && pkgs+=(chromium)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
		|| missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: missing packages: ${missing[*]} (run as root, or install them)" >&2
		exit 1
	fi
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages for the simulators and system tests, pinned by the lock file.
if [ ! -d tests/node_modules ] || [ tests/package-lock.json -nt tests/node_modules/.stamp ]; then
	echo "deps: installing npm packages of tests/"
	(cd tests && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
	touch tests/node_modules/.stamp
fi
