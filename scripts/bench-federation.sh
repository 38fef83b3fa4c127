#!/usr/bin/env bash
# Federation benchmarks: a control plane (`meridian serve`) and MEMBERS sandbox clusters in
# one process, all joined; then propagation latency (create in the federation → copy seen
# by every member's watch) and convergence of DEPLOYMENTS Deployments; control plane RSS.
# Usage: bash scripts/bench-federation.sh [MEMBERS] [OBJECTS] [DEPLOYMENTS]   (defaults 10 200 1000)
# RATE: creates per second in the latency run (default 20).
# MEMBER_CONTROLLERS: the members' --controllers (default '*'); '-*' makes them plain API
# servers, so convergence measures propagation alone (no 10,000 simulated pods on the same
# cores) and readiness is not waited for.
# Prints meridian-fedbench's JSON. BUILD=debug uses the debug build (for trying it out).
set -euo pipefail
cd "$(dirname "$0")/.."
members=${1:-10}
objects=${2:-200}
deployments=${3:-1000}
config=${BUILD:-release}
swift build -c "$config" --product meridian >&2
swift build -c "$config" --product meridian-fedbench >&2
bin=.build/$config/meridian
bench=.build/$config/meridian-fedbench
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

# Members: one process, no simulated pod start delay (the federation is what is measured);
# enough nodes for one pod of every Deployment (a node holds 110 pods).
nodes=$((deployments / 100 + 2))
controllers=${MEMBER_CONTROLLERS:-*}
"$bin" sandbox --name m --count "$members" --nodes "$nodes" --controllers="$controllers" --pod-start-delay-ms 0 --port 0 --data-dir "$work/members" \
  --write-kubeconfig "$work/members.kubeconfig" --log-level warning >"$work/members.log" 2>&1 &
members_pid=$!
pids+=($members_pid)
"$bin" serve --data-dir "$work/cp" --port 0 --write-kubeconfig "$work/fed.kubeconfig" --log-level warning \
  >"$work/cp.log" 2>&1 &
cp_pid=$!
pids+=($cp_pid)
export KUBECONFIG="$work/fed.kubeconfig:$work/members.kubeconfig"
until [[ -f $work/fed.kubeconfig ]] && kubectl --context meridian get --raw /readyz >/dev/null 2>&1; do sleep 0.1; done
until [[ -f $work/members.kubeconfig ]] && kubectl --context "m-$members" get --raw /readyz >/dev/null 2>&1; do sleep 0.1; done

seq 1 "$members" | xargs -P 4 -I{} "$bin" join m-{} --host-cluster-context m-1 --cluster-context m-{} --federation meridian >/dev/null
until [[ $(kubectl --context meridian get clusters -o jsonpath='{range .items[*]}{.status.state}{"\n"}{end}' | grep -c Ready) == "$members" ]]; do
  sleep 0.2
done

"$bench" --kubeconfig "$KUBECONFIG" --federation meridian --objects "$objects" --rate "${RATE:-20}" --deployments "$deployments" \
  --server-pid "$cp_pid" --members-pid "$members_pid" --timeout "${TIMEOUT:-600}" \
  $([[ $controllers == "-*" ]] && echo --no-wait-ready)
