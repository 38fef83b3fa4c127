#!/usr/bin/env bash
# Regenerates Sources/EtcdProto from the etcd v3 .proto files of Debian's
# golang-etcd-server-dev. CI does not run this: the generated Swift is committed.
#
# Needs protoc (protobuf-compiler) and the two plugins, built once outside the repo:
#   git clone /opt/swift-packages/grpc/grpc-swift-protobuf.git /work/plugins-build/grpc-swift-protobuf
#   cd /work/plugins-build/grpc-swift-protobuf && git checkout 2.4.1
#   swift build --product protoc-gen-grpc-swift-2 && swift build --product protoc-gen-swift
# (swift-protobuf resolves to 1.39.0 there.) PLUGINS points at their build folder.
set -euo pipefail
cd "$(dirname "$0")/.."

ETCD_SRC=${ETCD_SRC:-/usr/share/gocode/src/go.etcd.io/etcd}
PLUGINS=${PLUGINS:-/work/plugins-build/grpc-swift-protobuf/.build/debug}
OUT=Sources/EtcdProto

mkdir -p Protos/etcd "$OUT"
python3 scripts/etcd-proto-subset.py "$ETCD_SRC" Protos/etcd
rm -f "$OUT"/*.swift
protoc -I Protos/etcd \
  --plugin=protoc-gen-swift="$PLUGINS/protoc-gen-swift" \
  --swift_out="$OUT" --swift_opt=Visibility=Public \
  Protos/etcd/kv.proto Protos/etcd/rpc.proto
protoc -I Protos/etcd \
  --plugin=protoc-gen-grpc-swift-2="$PLUGINS/protoc-gen-grpc-swift-2" \
  --grpc-swift-2_out="$OUT" --grpc-swift-2_opt=Visibility=Public,Server=false,Client=true \
  Protos/etcd/rpc.proto
ls -l "$OUT"
