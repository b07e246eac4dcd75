#!/usr/bin/env bash
# Runs the main job: the coordinator on its embedded H2 log, the two sample banks, and a few transfers.
# Needs only a JDK 21 or newer (JAVA_HOME or java on the PATH). Data goes to ./data (delete it to start over).
#   ./demo.sh          the demonstration transfers, with balances before and after
#   ./demo.sh bench    the benchmark instead: no global transaction, Verdict on the H2 and on the PostgreSQL
#                      log, and Atomikos in one JVM, on PostgreSQL banks it starts itself; settings are
#                      BENCH_* variables (src-docs/benchmarks.md), figures go to data/bench/results.json
set -euo pipefail
cd "$(dirname "$0")"
source .ci/find-jdk.sh

./mvnw -q -B -DskipTests install
mkdir -p data
if [ "${1:-}" = bench ]; then
    # The benchmark starts PostgreSQL, the coordinator and the banks itself, from the packaged layouts.
    exec "$JAVA_HOME/bin/java" -Dverdict.root="$PWD" -jar benchmark/target/verdict-benchmark-*-exec.jar
fi

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
# The coordinator made credentials at its first start (no one configured any): the banks and the client
# read their token and signing secret from that file.
credentials="--spring.config.import=file:$PWD/data/verdict-credentials.properties"
start bank-a bank-a.log $(app samples/bank verdict-bank) --spring.profiles.active=a --bank.data-dir="$PWD/data" "$credentials"
start bank-b bank-b.log $(app samples/bank verdict-bank) --spring.profiles.active=b --bank.data-dir="$PWD/data" "$credentials"
wait_for http://localhost:8081/accounts
wait_for http://localhost:8082/accounts

client=$(app samples/transfer-client verdict-transfer-client)
"$JAVA_HOME/bin/java" $client "$credentials" 2>&1 \
    | grep -E "Bank |COMMITTED|ABORTED|Total" | sed -E 's/^.*(INFO|WARN)[^:]*: //'
if [ -t 0 ]; then
    echo
    echo "The services keep running. The dashboard is at http://localhost:8080/admin/: sign in with"
    echo "verdict.generated.operator-name and -password from data/verdict-credentials.properties. Press Enter to stop them."
    read -r
fi
