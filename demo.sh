#!/usr/bin/env bash
# Runs the main job: the coordinator on its embedded H2 log, the two sample banks, and a few transfers.
# Needs only a JDK 21 or newer (JAVA_HOME or java on the PATH). Data goes to ./data (delete it to start over).
#   ./demo.sh          the demonstration transfers, with balances before and after
#   ./demo.sh bench    the benchmark: transfers/s and p50/p99 latency, Verdict beside a no-2PC baseline
#                      (TRANSFERS=1000 CONCURRENCY=8 by default)
set -euo pipefail
cd "$(dirname "$0")"
source .ci/find-jdk.sh

./mvnw -q -B -DskipTests install

mkdir -p data
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

start() { # name, log file, args...
    local name=$1 log=$2; shift 2
    "$JAVA_HOME/bin/java" -jar "$@" > "data/$log" 2>&1 &
    pids+=($!)
    echo "started $name (log: data/$log)"
}
wait_for() { # url
    for _ in $(seq 1 120); do
        curl -fs "$1" > /dev/null 2>&1 && return 0
        sleep 0.5
    done
    echo "$1 did not come up; see the logs in data/" >&2
    exit 1
}

start coordinator coordinator.log coordinator/target/verdict-coordinator-*-exec.jar --verdict.coordinator.data-dir="$PWD/data"
wait_for http://localhost:8080/actuator/health
start bank-a bank-a.log samples/bank/target/verdict-sample-bank-*-exec.jar --spring.profiles.active=a --bank.data-dir="$PWD/data"
start bank-b bank-b.log samples/bank/target/verdict-sample-bank-*-exec.jar --spring.profiles.active=b --bank.data-dir="$PWD/data"
wait_for http://localhost:8081/accounts
wait_for http://localhost:8082/accounts

client=(samples/transfer-client/target/verdict-sample-transfer-client-*-exec.jar)
if [ "${1:-}" = bench ]; then
    "$JAVA_HOME/bin/java" -jar "${client[0]}" --transfer.demo=false --logging.level.root=WARN \
        --transfer.benchmark.transfers="${TRANSFERS:-1000}" --transfer.benchmark.concurrency="${CONCURRENCY:-8}" \
        | grep -E "^(mode|baseline|verdict|total)"
    exit
fi
"$JAVA_HOME/bin/java" -jar "${client[0]}" 2>&1 \
    | grep -E "Bank |COMMITTED|ABORTED|Total" | sed -E 's/^.*(INFO|WARN)[^:]*: //'
if [ -t 0 ]; then
    echo
    echo "The services keep running: the dashboard is at http://localhost:8080/admin/ (admin/admin), and each"
    echo "transfer at http://localhost:8080/api/v1/transactions/<id>. Press Enter to stop them."
    read -r
fi
