#!/usr/bin/env bash
# store-levels.sh - checks the one-way levels of broker/store (see
# broker/store/store.h): the database layer (db.c, dbpool.c, listen.c,
# migrate.c) calls only itself; a row file (row_*.c) calls only
# the database layer; a rule file (rule_*.c) calls rows, the database
# layer and other rules, never a transaction; a transaction file (tx_*.c)
# calls rules, rows and the database layer, never another transaction
# file. Prints each call that breaks a level and exits 1, or
# prints nothing. Run from the repository root.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=broker/store

level() {
	case "$(basename "$1")" in
	db.c | dbpool.c | listen.c | migrate.c) echo db ;;
	row_*) echo row ;;
	rule_*) echo rule ;;
	tx_*) echo tx ;;
	*) echo unknown ;;
	esac
}

# May a file of level $1 call a function of level $2 (in another file)?
allowed() {
	case "$1:$2" in
	db:db | row:db) return 0 ;;
	rule:db | rule:row | rule:rule) return 0 ;;
	tx:db | tx:row | tx:rule) return 0 ;;
	*) return 1 ;;
	esac
}

# The file of every kt_ function defined in a store file (a line at
# column 0 naming it and not ending in a semicolon).
declare -A home
for f in "$dir"/*.c; do
	for name in $(grep -v ';[[:space:]]*$' "$f" |
		sed -nE 's/^[a-z][^(]*\<(kt_[a-z0-9_]+)\(.*/\1/p'); do
		[ -n "${home[$name]:-}" ] || home[$name]=$f
	done
done

bad=0
for f in "$dir"/*.c; do
	from=$(level "$f")
	if [ "$from" = unknown ]; then
		echo "$f: not named by its level (row_, rule_, tx_ or the database layer)"
		bad=1
		continue
	fi
	for name in $(grep -oE '\<kt_[a-z0-9_]+\(' "$f" | tr -d '(' | sort -u); do
		to_file=${home[$name]:-}
		[ -n "$to_file" ] && [ "$to_file" != "$f" ] || continue
		to=$(level "$to_file")
		if ! allowed "$from" "$to"; then
			echo "$f ($from) calls $name of $to_file ($to)"
			bad=1
		fi
	done
done
exit "$bad"
