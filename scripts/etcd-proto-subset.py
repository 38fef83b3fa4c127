#!/usr/bin/env python3
"""Copies the subset of etcd's v3 .proto files Meridian speaks into Protos/etcd.

Keeps the named services and RPCs and the messages they reach; drops gogoproto and
google.api annotations so protoc needs no third-party imports.
Usage: etcd-proto-subset.py ETCD_SOURCE_DIR OUT_DIR
"""
import re
import sys

KEEP = {
    "KV": ["Range", "Put", "DeleteRange", "Txn", "Compact"],
    "Watch": ["Watch"],
    "Maintenance": ["Status"],
}


def strip_annotations(text):
    text = re.sub(r'^import "(gogoproto/gogo|google/api/annotations)\.proto";\n', "", text, flags=re.M)
    text = re.sub(r"^option \(gogoproto\.[^;]*;\n", "", text, flags=re.M)
    text = re.sub(r"\s*\[\(gogoproto\.[^\]]*\]", "", text)
    text = re.sub(r"option \(google\.api\.http\) = \{[^}]*\};", "", text)
    text = text.replace("// for grpc-gateway\n", "")
    return re.sub(r"\{\s*\}", "{}", text)


def blocks(text):
    """Top-level (kind, name, start, end) of message/enum/service blocks."""
    out = []
    for m in re.finditer(r"^(message|enum|service) (\w+) \{", text, flags=re.M):
        depth, i = 0, m.end() - 1
        while True:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
            if depth == 0:
                break
        start = text.rfind("\n\n", 0, m.start()) + 2  # keep the leading comment
        out.append((m.group(1), m.group(2), start, i))
    return out


def subset_rpc(src):
    bs = blocks(src)
    defs = {name: src[s:e] for kind, name, s, e in bs if kind != "service"}
    kept_services, wanted = [], []
    for kind, name, s, e in bs:
        if kind != "service" or name not in KEEP:
            continue
        body = src[s:e]
        rpcs = re.findall(r"(\n(?:  //[^\n]*\n)*  rpc (\w+)\(([^)]*)\) returns \(([^)]*)\) \{\s*\})", body)
        head = body[: body.index("{") + 1]
        kept = [r for r in rpcs if r[1] in KEEP[name]]
        kept_services.append(head + "".join(r[0] for r in kept) + "\n}")
        for r in kept:
            wanted += [t.replace("stream ", "").strip() for t in (r[2], r[3])]
    keep, queue = set(), list(wanted)
    while queue:
        t = queue.pop()
        if t in keep or t not in defs:
            continue
        keep.add(t)
        queue += re.findall(r"\b(\w+)\b", defs[t])
    header = src[: bs[0][2]]
    body = [src[s:e] for kind, name, s, e in bs if kind != "service" and name in keep]
    return header + "\n\n".join(kept_services + body) + "\n"


def main():
    root, out = sys.argv[1], sys.argv[2]
    kv = strip_annotations(open(f"{root}/mvcc/mvccpb/kv.proto").read())
    rpc = strip_annotations(open(f"{root}/etcdserver/etcdserverpb/rpc.proto").read())
    rpc = rpc.replace('import "etcd/mvcc/mvccpb/kv.proto";', 'import "kv.proto";')
    rpc = rpc.replace('import "etcd/auth/authpb/auth.proto";\n', "")
    rpc = subset_rpc(rpc)
    if "authpb." in rpc:
        sys.exit("the kept subset still needs auth.proto")
    open(f"{out}/kv.proto", "w").write(kv)
    open(f"{out}/rpc.proto", "w").write(rpc)


main()
