#!/usr/bin/env bash
# deb.sh - `make deb`: builds the Debian package from the files git tracks
# (committed or not; untracked files stay out) in a copy under build/deb/,
# with debhelper (debian/), and leaves build/deb/keten_<version>_<arch>.deb.
# The package version is debian/changelog's and must equal VERSION.
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(cat VERSION)
changelog_version=$(dpkg-parsechangelog -S Version)
if [ "$version" != "$changelog_version" ]; then
	echo "deb: VERSION says $version but debian/changelog says $changelog_version" >&2
	exit 1
fi

out=build/deb
src="$out/src/keten-$version"
rm -rf "$out"
mkdir -p "$src"
git ls-files -z | tar --null -T - -cf - | tar -xf - -C "$src"
(cd "$src" && dpkg-buildpackage -us -uc -b >../../build.log 2>&1) || {
	tail -n 40 "$out/build.log" >&2
	echo "deb: dpkg-buildpackage failed (build/deb/build.log)" >&2
	exit 1
}
mv "$out"/src/*.deb "$out"/
rm -rf "$out/src"
echo "deb: $(ls "$out"/*.deb)"
