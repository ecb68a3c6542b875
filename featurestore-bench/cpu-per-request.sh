#!/bin/bash
# Server CPU time per online-features request, on a warm server: starts `featurestore serve` from
# JAR on port 8097 (embedded store in a temp folder, extra serve flags after the first three
# arguments), warms it for 30 s at RATE, then drives RATE req/s for SECONDS with the load generator
# (a separate JVM) and divides the server process's user+system CPU time by the requests sent.
# usage: featurestore-bench/cpu-per-request.sh JAR RATE SECONDS [serve flags...]
set -euo pipefail
cd "$(dirname "$0")/.."
. bin/java-env.sh
jar=$1 rate=$2 seconds=$3
shift 3
data=$(mktemp -d)
java -Xmx1g -XX:+UseZGC -jar "$jar" serve --port 8097 --host 127.0.0.1 \
  --offline-url "embedded:$data" "$@" > "$data.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$data" "$data.log"' EXIT
sleep 6
bench=featurestore-bench/target/benchmarks.jar
load() {
  java -cp "$bench" io.e2i.featurestore.bench.LoadGenerator --url http://127.0.0.1:8097 \
    --scenario online --rate "$rate" --duration "$1" --warmup "$2"
}
load 20 10 > /dev/null 2>&1
before=$(awk '{print $14 + $15}' /proc/$server/stat)
load "$seconds" 1 | grep latency
after=$(awk '{print $14 + $15}' /proc/$server/stat)
python3 -c "print('server CPU per request: %.0f us' % (($after - $before) / $(getconf CLK_TCK) * 1e6 / ($rate * ($seconds + 1))))"
