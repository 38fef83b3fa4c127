#!/usr/bin/env bash
# Times Meridian's JSON parser (KubeAPI.JSONParser, what clients and informers use to read a
# LIST) on a real LIST of OBJECTS 1 KiB ConfigMaps saved from `meridian apiserver`, next to
# Foundation's JSONSerialization (same process), Python's json and Node's JSON.parse on the
# same file in the same run.
# Usage: bash scripts/bench-json.sh [OBJECTS]   (default 10000); prints one JSON document.
set -euo pipefail
cd "$(dirname "$0")/.."
objects=${1:-10000}
repeats=10
swift build -c release --product meridian >&2
swift build -c release --product meridian-loadgen >&2
bin=.build/release
work=$(mktemp -d)
pid=
cleanup() { [[ -n $pid ]] && kill -9 "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin/meridian" apiserver --data-dir "$work/data" --port "$port" --write-kubeconfig "$work/kubeconfig" --log-level warning >/dev/null 2>&1 &
pid=$!
until [[ -f $work/kubeconfig ]] && curl -sk "https://127.0.0.1:$port/readyz" >/dev/null 2>&1; do sleep 0.01; done
"$bin/meridian-loadgen" --kubeconfig "$work/kubeconfig" --objects "$objects" --scenarios create >/dev/null 2>&1
kubectl --kubeconfig "$work/kubeconfig" get --raw /api/v1/namespaces/meridian-bench/configmaps >"$work/list.json"
kill -9 "$pid"; pid=

swift=$("$bin/meridian-loadgen" --parse-file "$work/list.json" --parse-repeats "$repeats")
python=$(python3 - "$work/list.json" "$repeats" <<'PY'
import json, sys, time
data = open(sys.argv[1], "rb").read()
samples = []
for _ in range(int(sys.argv[2])):
    start = time.perf_counter(); json.loads(data); samples.append((time.perf_counter() - start) * 1000)
samples.sort()
print(json.dumps({"p50": round(samples[len(samples) // 2], 3), "min": round(samples[0], 3)}))
PY
)
node=null
if command -v node >/dev/null; then
  node=$(node -e '
const data = require("fs").readFileSync(process.argv[1], "utf8"); const samples = [];
for (let i = 0; i < Number(process.argv[2]); i++) { const s = process.hrtime.bigint(); JSON.parse(data); samples.push(Number(process.hrtime.bigint() - s) / 1e6); }
samples.sort((a, b) => a - b);
console.log(JSON.stringify({p50: +samples[samples.length >> 1].toFixed(3), min: +samples[0].toFixed(3)}));' "$work/list.json" "$repeats")
fi
python3 - "$swift" "$python" "$node" <<'PY'
import json, sys
result = json.loads(sys.argv[1])
result["pythonMs"] = json.loads(sys.argv[2])
result["nodeMs"] = json.loads(sys.argv[3])
m = result["meridianMs"]["p50"]
result["ratios"] = {
    "meridianOverFoundation": round(m / result["foundationMs"]["p50"], 2),
    "meridianOverPython": round(m / result["pythonMs"]["p50"], 2),
    "meridianOverNode": round(m / result["nodeMs"]["p50"], 2) if result["nodeMs"] else None,
}
print(json.dumps(result))
PY
