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

# A service runs from the layout the build extracted (target/<app>/<app>.jar beside lib/), with the start-up
# cache the build trained: an AOT cache on JDK 25 and newer, a CDS archive before.
app() { # module folder, app name
    local dir=$1/target/$2
    if [ -f "$dir/$2.aot" ]; then echo "-XX:AOTCache=$dir/$2.aot -jar $dir/$2.jar"
    elif [ -f "$dir/$2.jsa" ]; then echo "-XX:SharedArchiveFile=$dir/$2.jsa -jar $dir/$2.jar"
    else echo "-jar $dir/$2.jar"; fi
}
start() { # name, log file, java arguments...
    local name=$1 log=$2; shift 2
    "$JAVA_HOME/bin/java" "$@" > "data/$log" 2>&1 &
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

start coordinator coordinator.log $(app coordinator verdict-coordinator) --verdict.coordinator.data-dir="$PWD/data"
wait_for http://localhost:8080/actuator/health/readiness
start bank-a bank-a.log $(app samples/bank verdict-bank) --spring.profiles.active=a --bank.data-dir="$PWD/data"
start bank-b bank-b.log $(app samples/bank verdict-bank) --spring.profiles.active=b --bank.data-dir="$PWD/data"
wait_for http://localhost:8081/accounts
wait_for http://localhost:8082/accounts

client=$(app samples/transfer-client verdict-transfer-client)
if [ "${1:-}" = bench ]; then
    "$JAVA_HOME/bin/java" $client --transfer.demo=false --logging.level.root=WARN \
        --transfer.benchmark.transfers="${TRANSFERS:-1000}" --transfer.benchmark.concurrency="${CONCURRENCY:-8}" \
        | grep -E "^(mode|baseline|verdict|total)"
    exit
fi
"$JAVA_HOME/bin/java" $client 2>&1 \
    | grep -E "Bank |COMMITTED|ABORTED|Total" | sed -E 's/^.*(INFO|WARN)[^:]*: //'
if [ -t 0 ]; then
    echo
    echo "The services keep running: the dashboard is at http://localhost:8080/admin/ (admin/admin), and each"
    echo "transfer at http://localhost:8080/api/v1/transactions/<id>. Press Enter to stop them."
    read -r
fi
