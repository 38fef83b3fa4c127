#!/usr/bin/env bash
# The DNS benchmarks of docs/benchmarks.md in one command:
#   1. probing: 10,000 endpoints (9,000 listening, 1,000 refusing) at a 1 s interval;
#   2. withdrawal latency: endpoint death → DNS answer without it, over TRIALS trials (default 20);
#   3. queries/s of the built-in server and of BIND 9 serving the same zone, with dnsperf, same run.
# Usage: bash scripts/bench-dns.sh    (TRIALS=50 DNSPERF_SECONDS=20 to change the sizes)
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v dig >/dev/null 2>&1 || need_apt+=(dnsutils)
command -v named >/dev/null 2>&1 || need_apt+=(bind9)
command -v dnsperf >/dev/null 2>&1 || need_apt+=(dnsperf)
if ((${#need_apt[@]})); then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
ulimit -n 65536 2>/dev/null || true

swift build -c release --product meridian-dnsbench >&2
bench=.build/release/meridian-dnsbench
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

echo "## Probing 10,000 endpoints"
"$bench" probe --listening 9000 --refusing 1000 --seconds 10
echo
echo "## Withdrawal latency"
"$bench" withdrawal --trials "${TRIALS:-20}" 2>/dev/null
echo

# The same zone for both servers: ours writes it in BIND's format.
"$bench" serve --services 1000 --port 0 --zone-file "$work/meridian.zone" --query-file "$work/queries" >"$work/meridian.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q "listening on" "$work/meridian.log" && break; sleep 0.1; done
ours=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/meridian.log")
[[ -n "$ours" ]] || { echo "built-in server did not start: $(cat "$work/meridian.log")" >&2; exit 1; }

bind_port=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$work/named.conf" <<CONF
options {
  directory "$work";
  pid-file "$work/named.pid";
  session-keyfile "$work/session.key";
  listen-on port $bind_port { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  allow-transfer { none; };
};
controls { };
zone "meridian.local" { type primary; file "$work/meridian.zone"; };
CONF
named -g -c "$work/named.conf" -n "$(nproc)" >"$work/named.log" 2>&1 &
pids+=($!)
bind_up=""
for _ in $(seq 300); do
  bind_up=$(dig @127.0.0.1 -p "$bind_port" +short +time=1 +tries=2 meridian.local SOA 2>/dev/null || true)
  [[ -n "$bind_up" ]] && break
  sleep 0.1
done
[[ -n "$bind_up" ]] || { echo "BIND did not answer on port $bind_port: $(tail -n 5 "$work/named.log")" >&2; exit 1; }

# Both must give the same answers before they are compared.
sample=$(head -n 3 "$work/queries" | cut -d' ' -f1)
for name in $sample; do
  a=$(dig @127.0.0.1 -p "$ours" +short "$name" A | sort)
  b=$(dig @127.0.0.1 -p "$bind_port" +short "$name" A | sort)
  [[ "$a" == "$b" ]] || { echo "answers differ for $name: meridian [$a] bind [$b]" >&2; exit 1; }
done

qps() {
  dnsperf -s 127.0.0.1 -p "$1" -d "$work/queries" -l "${DNSPERF_SECONDS:-10}" -c 8 -T 1 2>/dev/null |
    sed -n 's/.*Queries per second: *\([0-9.]*\).*/\1/p'
}
echo "## Queries per second (dnsperf, $(wc -l <"$work/queries") distinct queries, ${DNSPERF_SECONDS:-10} s each, alternating)"
m1=$(qps "$ours"); b1=$(qps "$bind_port"); m2=$(qps "$ours"); b2=$(qps "$bind_port")
python3 - "$m1" "$m2" "$b1" "$b2" <<'PY'
import sys
m1, m2, b1, b2 = map(float, sys.argv[1:])
m, b = (m1 + m2) / 2, (b1 + b2) / 2
print(f"meridian: {m1:.0f}, {m2:.0f} (mean {m:.0f}) queries/s")
print(f"BIND 9:   {b1:.0f}, {b2:.0f} (mean {b:.0f}) queries/s")
print(f"ratio meridian/BIND: {m / b:.2f}")
PY
