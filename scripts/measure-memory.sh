#!/usr/bin/env bash
# Memory with 100 idle sessions: USS/PSS of each Python worker, RSS and heap of the JVM.
#
#   scripts/measure-memory.sh                      # the default python3
#   scripts/measure-memory.sh /usr/bin/python3 python3.12
#   SESSIONS=20 ISOLATION=NONE scripts/measure-memory.sh
#
# Each argument is a Python (path or command); with none, the builder's default.
# Builds pyexec4j-benchmarks/target/benchmarks.jar first if it is missing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="$root/pyexec4j-benchmarks/target/benchmarks.jar"
if [[ ! -f "$jar" ]]; then
  (cd "$root" && mvn -q install -DskipTests)
fi
run() {
  java -cp "$jar" org.pyexec4j.benchmarks.IdleMemory --sessions "${SESSIONS:-100}" \
    ${ISOLATION:+--isolation "$ISOLATION"} "$@"
}
if [[ $# -eq 0 ]]; then
  run
else
  for python in "$@"; do
    run --python "$python"
    echo
  done
fi
