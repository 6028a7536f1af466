#!/usr/bin/env bash
# bench/loadgen.sh [ARGS...]
#
# Builds the project's load generator (bench/loadgen, its own Maven project) into one runnable jar,
# bench/loadgen/target/cairn-loadgen.jar, when a source is newer than the jar; then, with
# arguments, runs it: bench/loadgen.sh pubsub -P 4 -Q 1 ...   Without arguments it only builds and
# prints the jar's path.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
JAR=$HERE/loadgen/target/cairn-loadgen.jar
if [ ! -f "$JAR" ] || [ -n "$(find "$HERE/loadgen/src" "$HERE/loadgen/pom.xml" -newer "$JAR" 2>/dev/null | head -n 1)" ]; then
    (cd "$HERE/loadgen" && mvn -q -B -ntp -DskipTests package) >&2
fi
if [ $# -eq 0 ]; then
    echo "$JAR"
    exit 0
fi
# a small heap is plenty (counters, bitsets, histograms). Serial GC and C1 only: runs last seconds on
# two shared cores, where C2 compiler threads and parallel GC workers would take CPU from the broker

exec java -Xms256m -Xmx1g -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -jar "$JAR" "$@"
