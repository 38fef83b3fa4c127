#!/usr/bin/env bash
# Installs what the tests need on a fresh machine, builds, and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v jq >/dev/null 2>&1 || need_apt+=(jq)
[[ -e /usr/include/sqlite3.h ]] || need_apt+=(libsqlite3-dev)
command -v dig >/dev/null 2>&1 || need_apt+=(dnsutils)
# DNS provider tests run real servers: BIND 9 (RFC 2136) and PowerDNS with SQLite.
[[ -x /usr/sbin/named ]] || need_apt+=(bind9 bind9-utils)
[[ -x /usr/sbin/pdns_server ]] || need_apt+=(pdns-server)
[[ -e /usr/lib/x86_64-linux-gnu/pdns/libgsqlite3backend.so || -e /usr/lib/aarch64-linux-gnu/pdns/libgsqlite3backend.so ]] ||
  need_apt+=(pdns-backend-sqlite3)
# Real etcd for StoreEtcdTests and the --store etcd end-to-end tests (they skip without it).
command -v etcd >/dev/null 2>&1 || need_apt+=(etcd-server)
command -v etcdctl >/dev/null 2>&1 || need_apt+=(etcd-client)
if ((${#need_apt[@]})); then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
python3 -c 'import kubernetes' 2>/dev/null || pip install --quiet --disable-pip-version-check 'kubernetes>=30'
# Route 53 provider tests run moto's server in place of AWS.
command -v moto_server >/dev/null 2>&1 || pip install --quiet --disable-pip-version-check 'moto[server]'

# The shared kubectl suite kills the PIDs of watches it started, which may have exited; with
# the default pid_max, busy parallel tests recycle PIDs fast enough for that to hit another
# test's process. A larger PID space makes reuse within a run practically impossible.
if [[ -w /proc/sys/kernel/pid_max ]] && (($(cat /proc/sys/kernel/pid_max) < 4194304)); then
  echo 4194304 >/proc/sys/kernel/pid_max || true
fi

swift build --build-tests
# Separate runs, so that time-sensitive async tests are not starved: the end-to-end suites
# block Swift's cooperative threads (one per core) while they wait for kubectl and the
# real binary, and async tests in the same process then wait for a thread.
timing_sensitive='KubeClientIntegrationTests|WatchSemanticsTests|LeaderElectionTests'
# Async end-to-end suites that start real servers (etcd, BIND, the fake Azure): their own
# pass, so they neither starve beside the blocking suites nor load the timing-sensitive ones.
async_servers='EtcdAPIServerTests|FederationInitAzureDNSTests|ServiceDNSProviderTests'
# The etcd store suites start etcd processes and wait for them on a cooperative thread: they
# go with the server-starting suites, not beside the unit tests' short deadlines.
swift test --skip-build --skip 'MeridianCLITests|StoreEtcdTests'
swift test --skip-build --filter "MeridianCLITests\.($timing_sensitive)"
swift test --skip-build --filter "MeridianCLITests\.($async_servers)|StoreEtcdTests"
# The last pass also runs the long placement suites (FederationPlacementTests,
# FederationFailoverTests: three sandboxes each, a member killed and restarted).
swift test --skip-build --filter MeridianCLITests --skip "$timing_sensitive|$async_servers"
