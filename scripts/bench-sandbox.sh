#!/usr/bin/env bash
# Sandbox benchmarks: pods per second from Deployment creation to all Running, and a fleet
# of sandboxes in one process (start time, memory per sandbox).
# Usage: bash scripts/bench-sandbox.sh [REPLICAS] [SANDBOXES]   (defaults 200, 100); prints JSON.
set -euo pipefail
cd "$(dirname "$0")/.."
replicas=${1:-200}
fleet=${2:-100}
swift build -c release --product meridian >&2
bin=.build/release/meridian
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
now_ms() { date +%s%3N; }
k() { kubectl --kubeconfig "$work/one.kubeconfig" "$@"; }

# 1. Pods per second: one sandbox, 10 nodes, no simulated start delay (controller throughput).
"$bin" sandbox --name bench --nodes 10 --pod-start-delay-ms 0 --port 0 --data-dir "$work/one" \
  --write-kubeconfig "$work/one.kubeconfig" --log-level warning >/dev/null 2>&1 &
pids+=($!)
until [[ -f $work/one.kubeconfig ]] && k get --raw /readyz >/dev/null 2>&1; do sleep 0.05; done
until [[ $(k get nodes --no-headers 2>/dev/null | grep -c ' Ready') == 10 ]]; do sleep 0.1; done
start=$(now_ms)
k create deployment load --image=nginx --replicas="$replicas" >/dev/null
k rollout status deployment/load --timeout=300s >/dev/null
rollout_ms=$(( $(now_ms) - start ))
running=$(k get pods -l app=load --field-selector=status.phase=Running --no-headers | wc -l)
kill -9 "${pids[0]}"

# 2. A fleet in one process: time until every sandbox registered its nodes, then memory.
start=$(now_ms)
"$bin" sandbox --name fleet --count "$fleet" --port 0 --data-dir "$work/fleet" \
  --write-kubeconfig "$work/fleet.kubeconfig" --log-level info >"$work/fleet.log" 2>&1 &
fpid=$!; pids+=($fpid)
until [[ $(grep -c 'nodes registered' "$work/fleet.log" || true) -ge $fleet ]]; do sleep 0.05; done
fleet_ms=$(( $(now_ms) - start ))
sleep 10
rss_kib=$(awk '/VmRSS/ {print $2}' /proc/$fpid/status)
ready_nodes=$(kubectl --kubeconfig "$work/fleet.kubeconfig" --context "fleet-$fleet" get nodes --no-headers | grep -c ' Ready')

python3 - "$replicas" "$rollout_ms" "$running" "$fleet" "$fleet_ms" "$rss_kib" "$ready_nodes" <<'PY'
import json, sys
replicas, rollout_ms, running, fleet, fleet_ms, rss_kib, ready_nodes = map(int, sys.argv[1:])
print(json.dumps({
  "deployment": {"replicas": replicas, "running": running, "createToRolledOutMs": rollout_ms,
                 "podsPerSecond": round(replicas / (rollout_ms / 1000), 1)},
  "fleet": {"sandboxes": fleet, "allNodesRegisteredMs": fleet_ms, "rssMiB": round(rss_kib / 1024, 1),
            "rssPerSandboxMiB": round(rss_kib / 1024 / fleet, 2), "lastSandboxReadyNodes": ready_nodes},
}, indent=2))
PY
