#!/usr/bin/env bash
# Builds the test images from this checkout without pulling anything:
#   localhost/angzarr-coordinator:dev     src/coordinator/cli.ts      (containers/coordinator.Containerfile)
#   localhost/angzarr-orders-handler:dev  examples/orders/server.ts   (containers/orders-handler.Containerfile)
#
# For each image: esbuild bundles the entry point into one ESM file; a root folder gets the
# bundle, the node binary, the shared libraries `ldd` lists (node's and the native addon's),
# and better-sqlite3's native addon under /app/node_modules (it is external to the bundle);
# then the folder is imported as a one-layer image (`podman import`, about 2 s). The image
# settings (ENTRYPOINT, ENV, ...) are read from the image's Containerfile, so both ways of
# building give the same image.
#
# Usage: containers/build-images.sh [--containerfile]
#   --containerfile  build through the FROM scratch Containerfiles instead of importing
#                    (`$CONTAINER_ENGINE build`; CONTAINER_ENGINE=docker for Docker).
# Idempotent: an image whose content label matches the new root folder is left as it is.
# Prints the image names on stdout; progress goes to stderr.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/.tmp/images"
engine="${CONTAINER_ENGINE:-podman}"
mode=import
[[ "${1:-}" == "--containerfile" ]] && mode=containerfile
export CONTAINERS_CONF="${CONTAINERS_CONF:-$root/containers/containers.conf}"

node_bin="$(readlink -f "$(command -v node)")"
built_by="io.angzarr.built-by=build-images.sh"

# Copies files into the root folder at the same absolute paths, following symlinks.
copy_abs() { for f in "$@"; do cp -L --parents "$f" "$rootfs"; done; }

# Shared libraries (and the dynamic loader) an ELF file needs, one path per line.
needed_libs() { ldd "$1" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'; }

# better-sqlite3 at run time: its JS, its addon, and `bindings` (which finds the addon).
copy_sqlite_addon() {
  local nm="$root/node_modules" dest="$rootfs/app/node_modules"
  mkdir -p "$dest/better-sqlite3/build/Release"
  cp -r "$nm/better-sqlite3/package.json" "$nm/better-sqlite3/lib" "$dest/better-sqlite3/"
  cp "$nm/better-sqlite3/build/Release/better_sqlite3.node" "$dest/better-sqlite3/build/Release/"
  cp -r "$nm/bindings" "$nm/file-uri-to-path" "$dest/"
  copy_abs $(needed_libs "$nm/better-sqlite3/build/Release/better_sqlite3.node")
}

# @grpc/reflection reads its own .proto files at start-up from `__dirname/../../proto`, which
# an ESM bundle does not have: the banner defines `__dirname` as this path inside the image and
# the protos are copied to match. (Only lazily loaded grpc-js extras also use `__dirname`.)
REFLECTION_DIRNAME=/app/grpc-reflection/build/src/implementations
copy_reflection_protos() {
  mkdir -p "$rootfs/app/grpc-reflection/build"
  cp -r "$root/node_modules/@grpc/reflection/build/proto" "$rootfs/app/grpc-reflection/build/"
}

# build_image NAME ENTRY CONTAINERFILE
build_image() {
  local name="$1" entry="$2" containerfile="$root/containers/$3"
  local image="localhost/$name:dev" dir="$out/$name"
  rootfs="$dir/root"
  rm -rf "$dir" && mkdir -p "$rootfs/app" "$rootfs/tmp" "$rootfs/usr/local/bin"
  chmod 1777 "$rootfs/tmp"

  "$root/node_modules/.bin/esbuild" "$root/$entry" --bundle --platform=node --target=node20 --format=esm \
    --log-level=warning --external:better-sqlite3 --external:pg-native \
    --banner:js="import { createRequire as __angzarrRequire } from 'node:module'; const require = __angzarrRequire(import.meta.url); const __dirname = '$REFLECTION_DIRNAME';" \
    --outfile="$rootfs/app/main.mjs"
  copy_reflection_protos
  cp "$node_bin" "$rootfs/usr/local/bin/node"
  copy_abs $(needed_libs "$node_bin")
  if grep -q '"better-sqlite3"' "$rootfs/app/main.mjs"; then copy_sqlite_addon; fi

  # Deterministic archive: same sources, same bytes, same content label.
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$rootfs" -cf "$dir/root.tar" .
  local content
  content="$( (sha256sum "$dir/root.tar" "$containerfile" | cut -d' ' -f1; echo "$mode") | sha256sum | cut -c1-16)"
  local current previous
  current="$("$engine" image inspect --format '{{index .Config.Labels "io.angzarr.content"}}' "$image" 2>/dev/null || true)"
  previous="$("$engine" image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)"
  if [[ "$current" == "$content" ]]; then
    echo "$image unchanged ($content)" >&2
  elif [[ "$mode" == containerfile ]]; then
    "$engine" build --quiet -f "$containerfile" --label "$built_by" --label "io.angzarr.content=$content" -t "$image" "$rootfs" >/dev/null
    echo "$image built from $(basename "$containerfile") ($content)" >&2
  else
    local changes=(--change "LABEL $built_by" --change "LABEL io.angzarr.content=$content")
    while IFS= read -r line; do changes+=(--change "$line"); done \
      < <(grep -E '^(ENTRYPOINT|CMD|ENV|EXPOSE|WORKDIR|LABEL) ' "$containerfile")
    "$engine" import --quiet "${changes[@]}" "$dir/root.tar" "$image" >/dev/null
    echo "$image imported ($content)" >&2
  fi
  # The image this one replaced, unless a container still uses it.
  if [[ -n "$previous" && "$current" != "$content" ]]; then "$engine" rmi "$previous" >/dev/null 2>&1 || true; fi
  rm -f "$dir/root.tar"
  echo "$image"
}

build_image angzarr-coordinator src/coordinator/cli.ts coordinator.Containerfile
build_image angzarr-orders-handler examples/orders/server.ts orders-handler.Containerfile
