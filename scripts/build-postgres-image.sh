#!/usr/bin/env bash
# Builds the local `postgres:<major>` Docker image the testcontainers drills use
# where no image registry is reachable: a minimal Debian root of this
# machine's release (debootstrap) with Debian's postgresql-<major> — the major
# of the PostgreSQL installed here (the drills' default image follows the
# local pg_dump), or the one the tag names — and an entrypoint that honours
# POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB and `postgres -c k=v` like
# the official image. Packages come from the Debian mirror apt already uses on
# this machine. Skips everything when the image exists; the root filesystem
# tarball is cached so a fresh Docker engine only needs `docker import`.
# Usage: scripts/build-postgres-image.sh [IMAGE_TAG]   (default postgres:<installed major>)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
installed_major() {
  ls /usr/lib/postgresql 2>/dev/null | grep -E '^[0-9]+$' | sort -n | tail -n 1
}
if [ -n "${1:-}" ]; then
  tag="$1"
  major="${tag##*:}"
  major="${major%%[.-]*}"
else
  major="$(installed_major)"
  [ -n "$major" ] || { echo "no PostgreSQL installed under /usr/lib/postgresql: pass the tag (postgres:MAJOR)" >&2; exit 1; }
  tag="postgres:$major"
fi
suite="$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")"
suite="${suite:-bookworm}"
cache_dir="${DBROLLBACK_IMAGE_CACHE:-/var/cache/dbrollback}"
# A changed entrypoint or recipe (this script) makes a new root filesystem and a new image.
entry_hash="$(cat "$here/postgres-image/docker-entrypoint.sh" "$here/$(basename "$0")" | sha256sum | cut -c1-12)"
tarball="$cache_dir/postgres-$major-$suite-rootfs-$entry_hash.tar"

if [ "$(docker image inspect --format '{{ index .Config.Labels "dbrollback.entrypoint" }}' "$tag" 2>/dev/null || true)" = "$entry_hash" ]; then
  echo "image $tag exists"
  exit 0
fi

# The first Debian (not security) mirror in apt's sources, deb822 or one-line format.
mirror() {
  local uri
  uri="$(grep -hsE '^\s*URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v -- '-security' | head -n 1 || true)"
  if [ -z "$uri" ]; then
    uri="$(grep -hsE '^\s*deb\s' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | grep -v -- '-security' | awk '{for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' | head -n 1 || true)"
  fi
  if [ -z "$uri" ]; then
    echo "no Debian mirror found in /etc/apt/sources.list*" >&2
    exit 1
  fi
  echo "$uri"
}

if [ ! -s "$tarball" ]; then
  command -v debootstrap >/dev/null 2>&1 || { echo "debootstrap is missing (apt-get install -y debootstrap)" >&2; exit 1; }
  mkdir -p "$cache_dir"
  root="$(mktemp -d /tmp/dbrollback-pg-rootfs.XXXXXX)"
  trap 'rm -rf "$root"' EXIT
  echo "debootstrap $suite + postgresql-$major into $root"
  debootstrap --variant=minbase --include="postgresql-$major" "$suite" "$root" "$(mirror)" >"$root.log" 2>&1 || {
    tail -n 30 "$root.log" >&2
    exit 1
  }
  rm -f "$root.log"
  # The package's own cluster and the apt caches are not part of the image. Nor is
  # JIT compilation (LLVM and z3, a third of the image; without them the server runs
  # with JIT off): Docker's vfs storage driver copies the whole root for every container.
  rm -rf "$root/var/lib/postgresql/$major/main" "$root/etc/postgresql/$major/main" \
    "$root/var/cache/apt/archives/"*.deb "$root/var/lib/apt/lists/"* \
    "$root/usr/share/doc" "$root/usr/share/man" "$root/usr/share/locale" "$root/usr/share/i18n" \
    "$root/usr/lib/postgresql/$major/lib/llvmjit"* "$root/usr/lib/postgresql/$major/lib/bitcode" \
    "$root/usr/lib/x86_64-linux-gnu/libLLVM-"* "$root/usr/lib/x86_64-linux-gnu/libz3.so"*
  # mktemp made the directory 0700: as the image's / it would lock out the postgres user.
  chmod 0755 "$root"
  install -m 0755 "$here/postgres-image/docker-entrypoint.sh" "$root/usr/local/bin/docker-entrypoint.sh"
  rm -f "$cache_dir/postgres-$major-$suite-rootfs-"*.tar
  tar -C "$root" -cf "$tarball.part" .
  mv "$tarball.part" "$tarball"
fi

docker import \
  --change "ENV PATH=/usr/lib/postgresql/$major/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --change 'ENV PGDATA=/var/lib/postgresql/data' \
  --change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' \
  --change 'CMD ["postgres"]' \
  --change 'EXPOSE 5432' \
  --change "LABEL dbrollback.entrypoint=$entry_hash" \
  "$tarball" "$tag" >/dev/null
echo "built image $tag"
