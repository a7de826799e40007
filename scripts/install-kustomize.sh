#!/usr/bin/env bash
# Makes kustomize (5.x) available to the tests that render deploy/kubernetes,
# and prints the path of the program. kustomize is not on the npm registry;
# Debian packages it from trixie (13) on. On such a system it is installed
# with apt; on bookworm (12, this project's CI) the trixie package is fetched
# with apt into a private directory (its own package lists: the system's apt
# sources are not touched) and unpacked there — it is a Go program whose only
# dependency is the C library (libc6 >= 2.34; bookworm has 2.36).
# A kustomize 5 already on PATH is used as it is.
# Usage: scripts/install-kustomize.sh   (prints e.g. /var/cache/dbrollback/kustomize/usr/bin/kustomize)
set -euo pipefail
cache_dir="${DBROLLBACK_IMAGE_CACHE:-/var/cache/dbrollback}/kustomize"
suite=trixie

# Debian's build says "(devel)" instead of its version (the package's version is 5.x).
is_v5() { "$1" version 2>/dev/null | grep -qE '(^|[^0-9])v?5\.[0-9]+|^\(devel\)$'; }

if command -v kustomize >/dev/null 2>&1 && is_v5 "$(command -v kustomize)"; then
  command -v kustomize
  exit 0
fi
if [ -x "$cache_dir/usr/bin/kustomize" ] && is_v5 "$cache_dir/usr/bin/kustomize"; then
  echo "$cache_dir/usr/bin/kustomize"
  exit 0
fi
if apt-cache policy kustomize 2>/dev/null | grep -qE 'Candidate: [0-9]'; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y kustomize >&2
  command -v kustomize
  exit 0
fi

# The first Debian (not security) mirror in apt's sources, deb822 or one-line format.
mirror="$(grep -hsE '^\s*URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v -- '-security' | head -n 1 || true)"
if [ -z "$mirror" ]; then
  mirror="$(grep -hsE '^\s*deb\s' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | grep -v -- '-security' | awk '{for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' | head -n 1 || true)"
fi
[ -n "$mirror" ] || { echo "no Debian mirror found in /etc/apt/sources.list*" >&2; exit 1; }

work="$(mktemp -d /tmp/dbrollback-kustomize.XXXXXX)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" >"$work/sources.list"
apt_private=(-o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o APT::Architecture=amd64)
apt-get "${apt_private[@]}" update >&2
(cd "$work" && apt-get "${apt_private[@]}" download kustomize >&2)
deb="$(ls "$work"/kustomize_5.*.deb)" || { echo "$suite's kustomize is not 5.x: $(ls "$work")" >&2; exit 1; }
rm -rf "$cache_dir.part"
mkdir -p "$cache_dir.part"
dpkg-deb -x "$deb" "$cache_dir.part"
is_v5 "$cache_dir.part/usr/bin/kustomize" || { echo "the unpacked $(basename "$deb") does not run as kustomize 5" >&2; exit 1; }
rm -rf "$cache_dir"
mv "$cache_dir.part" "$cache_dir"
echo "$cache_dir/usr/bin/kustomize"
