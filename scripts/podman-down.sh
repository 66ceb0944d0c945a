#!/usr/bin/env bash
# Undoes scripts/podman-up.sh and containers/build-images.sh: removes containers and networks
# labelled org.testcontainers=true, the images containers/build-images.sh built, and stops the
# podman API service by its pid. Safe to run when nothing is up (e.g. from an exit trap).
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/.tmp/podman"
export CONTAINERS_CONF="$root/containers/containers.conf"

if command -v podman >/dev/null; then
  containers="$(podman ps -aq --filter label=org.testcontainers=true)"
  [[ -z "$containers" ]] || podman rm -f $containers >/dev/null
  networks="$(podman network ls -q --filter label=org.testcontainers=true)"
  [[ -z "$networks" ]] || podman network rm -f $networks >/dev/null
  images="$(podman images -q --filter label=io.angzarr.built-by=build-images.sh)"
  [[ -z "$images" ]] || podman rmi -f $images >/dev/null
fi

if [[ -f "$dir/podman.pid" ]]; then
  pid="$(cat "$dir/podman.pid")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$dir/podman.pid" "$dir/podman.sock" "$dir/env"
fi
echo "podman down" >&2
