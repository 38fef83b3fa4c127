#!/usr/bin/env bash
# Formats the Swift sources with the bundled `swift format` (generated files excepted).
set -euo pipefail
cd "$(dirname "$0")/.."
find Sources Tests Package.swift -name '*.swift' \
  ! -name KubernetesDefinitions.swift ! -name KubernetesProtoTable.swift -print0 \
  | xargs -0 swift format --in-place
