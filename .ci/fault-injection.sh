#!/usr/bin/env bash
# A longer fault-injection campaign on output folders than `cargo test` runs: kill -9 at random
# points, the folder switch slowed down and failed with strace (ENOSPC, EXDEV to force the
# journal), and concurrent renders into one folder (tests/test_fault_injection.rs).
#
# Usage: .ci/fault-injection.sh [TRIALS]          (default 1000 per test)
#
# Environment:
#   HARBOR_EDGE_FAULT_SEED  replay the random delays of an earlier campaign (printed per test)
#   HARBOR_EDGE_FAULT_DIR   where the runs write (default: /dev/shm where writable, else the
#                           temporary folder); set it to a disk folder to include fsync costs
# Without strace (or where ptrace is not allowed) the strace parts print why and are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
export HARBOR_EDGE_FAULT_TRIALS="${1:-1000}"
echo "fault-injection: $HARBOR_EDGE_FAULT_TRIALS trials per test"
cargo test --all-features --test test_fault_injection -- --nocapture --test-threads 1
