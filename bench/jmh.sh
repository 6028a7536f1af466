#!/usr/bin/env bash
# jmh.sh: builds the broker, installs it in the local Maven repository, builds the JMH benchmarks of
# bench/jmh/ against it and runs them under the machine-wide bench lock (no two measurements overlap).
# Every argument goes to JMH; without any, a short run of all benchmarks.
#   bench/jmh.sh                                     # all, -f 1 -wi 2 -i 3 -w 2s -r 2s
#   bench/jmh.sh DecodeBenchmark -p version=5        # one class, one parameter value
#   bench/jmh.sh -l                                  # list the benchmarks
#   bench/jmh.sh JournalForce -jvmArgs -Djava.io.tmpdir=/some/disk    # force on another disk
#   JMH_SKIP_BUILD=1 bench/jmh.sh ...                # reuse bench/jmh/target/cairn-jmh.jar
# The lock file is /tmp/cairn-bench.lock (CAIRN_BENCH_LOCK overrides it).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
LOCK=${CAIRN_BENCH_LOCK:-/tmp/cairn-bench.lock}
if [ -z "${JMH_SKIP_BUILD:-}" ]; then
    (cd "$ROOT" && mvn -q -B -ntp -DskipTests install)
    (cd "$HERE/jmh" && mvn -q -B -ntp package)
fi
[ $# -gt 0 ] || set -- -f 1 -wi 2 -i 3 -w 2s -r 2s
exec flock "$LOCK" java -jar "$HERE/jmh/target/cairn-jmh.jar" "$@"
