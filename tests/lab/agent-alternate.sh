#!/bin/sh
# Runs one of two agent builds by the node's namespace number, so that both run side by
# side in one lab run (e.g. the glibc and the musl build, docs/performance.md):
#   --agent-cmd "sh tests/lab/agent-alternate.sh {ns} BIN_EVEN BIN_ODD agent --state-dir {state} --config {config}"
# n0, n2, ... run BIN_EVEN; n1, n3, ... run BIN_ODD. exec keeps the agent's pid and argv.
ns=$1 even=$2 odd=$3
shift 3
n=${ns#n}
if [ $((n % 2)) -eq 0 ]; then exec "$even" "$@"; else exec "$odd" "$@"; fi
