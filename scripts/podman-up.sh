#!/usr/bin/env bash
# Starts podman's Docker-compatible API service on a socket under .tmp/podman/ and prints the
# environment testcontainers needs. Usage:  eval "$(scripts/podman-up.sh)"
# The same lines are written to .tmp/podman/env (for `. .tmp/podman/env`).
# Idempotent: a service already running from this checkout is reused. Stop it with
# scripts/podman-down.sh. The service also exits by itself after 120 s without API calls, so a
# run killed before its clean-up does not leave it running for good.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/.tmp/podman"
sock="$dir/podman.sock"
pidfile="$dir/podman.pid"
export CONTAINERS_CONF="$root/containers/containers.conf"
mkdir -p "$dir"

command -v podman >/dev/null || { echo "podman not found: apt-get install -y podman runc" >&2; exit 1; }

if [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null && [[ -S "$sock" ]]; then
  echo "podman service already running (pid $(cat "$pidfile"))" >&2
else
  rm -f "$sock"
  setsid podman system service --time=120 "unix://$sock" >"$dir/service.log" 2>&1 </dev/null &
  echo $! >"$pidfile"
  for _ in $(seq 1 100); do [[ -S "$sock" ]] && break; sleep 0.05; done
  [[ -S "$sock" ]] || { echo "podman service did not create $sock; see $dir/service.log" >&2; exit 1; }
  echo "podman service started (pid $(cat "$pidfile"), socket $sock)" >&2
fi

cat >"$dir/env" <<ENV
export CONTAINERS_CONF="$CONTAINERS_CONF"
export DOCKER_HOST="unix://$sock"
export TESTCONTAINERS_RYUK_DISABLED=true
export TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1
ENV
cat "$dir/env"
