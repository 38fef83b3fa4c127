#!/usr/bin/env bash
# Benchmarks Meridian's API server on its embedded SQLite store, the same API server on etcd
# (--store etcd), and etcd itself (Debian's etcd-server, through its v3 JSON gateway), with
# the same workload in the same run.
# Usage: bash scripts/bench.sh [OBJECTS]   (default 10000); prints one JSON document.
set -euo pipefail
cd "$(dirname "$0")/.."
objects=${1:-10000}
command -v etcd >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server >/dev/null; }
swift build -c release --product meridian >&2
swift build -c release --product meridian-loadgen >&2
bin=.build/release
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

now_ms() { date +%s%3N; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Start-to-ready: process start until /readyz answers, five fresh starts, median.
ready_ms=()
for i in 1 2 3 4 5; do
  port=$(free_port)
  start=$(now_ms)
  "$bin/meridian" apiserver --data-dir "$work/ready$i" --port "$port" --log-level warning >/dev/null 2>&1 &
  p=$!
  until curl -sk "https://127.0.0.1:$port/readyz" >/dev/null 2>&1; do sleep 0.005; done
  ready_ms+=($(( $(now_ms) - start )))
  kill -9 $p; wait $p 2>/dev/null || true
done
ready=$(printf '%s\n' "${ready_ms[@]}" | sort -n | sed -n 3p)

port=$(free_port)
"$bin/meridian" apiserver --data-dir "$work/m" --port "$port" --write-kubeconfig "$work/kubeconfig" --log-level warning >/dev/null 2>&1 &
mpid=$!; pids+=($mpid)
until [[ -f $work/kubeconfig ]] && curl -sk "https://127.0.0.1:$port/readyz" >/dev/null 2>&1; do sleep 0.01; done
sleep 1
idle=$(awk '/VmRSS/ {print $2/1024}' /proc/$mpid/status)
meridian=$("$bin/meridian-loadgen" --kubeconfig "$work/kubeconfig" --objects "$objects" --server-pid $mpid 2>/dev/null)
kill -9 $mpid

# A fresh single-member etcd in $work/$1; sets cport and epid.
start_etcd() {
  cport=$(free_port); pport=$(free_port)
  etcd --data-dir "$work/$1" --listen-client-urls "http://127.0.0.1:$cport" --advertise-client-urls "http://127.0.0.1:$cport" \
    --listen-peer-urls "http://127.0.0.1:$pport" --initial-advertise-peer-urls "http://127.0.0.1:$pport" \
    --initial-cluster "default=http://127.0.0.1:$pport" --log-level error >/dev/null 2>&1 &
  epid=$!; pids+=($epid)
  until curl -s "http://127.0.0.1:$cport/health" | grep -q true; do sleep 0.005; done
}

# The API server with --store etcd, on its own etcd.
start_etcd etcd-store
port=$(free_port)
"$bin/meridian" apiserver --data-dir "$work/me" --port "$port" --write-kubeconfig "$work/kubeconfig-etcd" --log-level warning \
  --store etcd --etcd-endpoints "http://127.0.0.1:$cport" >/dev/null 2>&1 &
mepid=$!; pids+=($mepid)
until [[ -f $work/kubeconfig-etcd ]] && curl -sk "https://127.0.0.1:$port/readyz" >/dev/null 2>&1; do sleep 0.01; done
sleep 1
meridian_etcd=$("$bin/meridian-loadgen" --kubeconfig "$work/kubeconfig-etcd" --objects "$objects" --server-pid $mepid 2>/dev/null)
kill -9 $mepid $epid

start=$(now_ms)
start_etcd etcd
etcd_ready=$(( $(now_ms) - start ))
etcd_idle=$(awk '/VmRSS/ {print $2/1024}' /proc/$epid/status)
etcdrun=$("$bin/meridian-loadgen" --etcd "http://127.0.0.1:$cport" --objects "$objects" --server-pid $epid 2>/dev/null)

jq -n --argjson m "$meridian" --argjson me "$meridian_etcd" --argjson e "$etcdrun" --arg ready "$ready" --arg idle "$idle" \
  --arg eready "$etcd_ready" --arg eidle "$etcd_idle" '
  def ratio(a; b): if b == 0 then null else ((a / b) * 100 | round) / 100 end;
  def ratios(x; y): {create: ratio(x.create.opsPerSecond; y.create.opsPerSecond), get: ratio(x.get.opsPerSecond; y.get.opsPerSecond),
     update: ratio(x.update.opsPerSecond; y.update.opsPerSecond), patch: ratio(x.patch.opsPerSecond; y.patch.opsPerSecond),
     delete: ratio(x.delete.opsPerSecond; y.delete.opsPerSecond), listP50: ratio(x.list.p50Ms; y.list.p50Ms),
     watchP99: ratio(x.watch.p99Ms; y.watch.p99Ms)};
  {meridian: ($m + {startToReadyMs: ($ready|tonumber), idleRSSMiB: ($idle|tonumber)}),
   meridianOnEtcd: $me,
   etcd: ($e + {startToReadyMs: ($eready|tonumber), idleRSSMiB: ($eidle|tonumber)}),
   ratioMeridianToEtcd: ratios($m; $e),
   ratioMeridianOnEtcdToEtcd: ratios($me; $e),
   ratioMeridianOnEtcdToMeridian: ratios($me; $m)}'
