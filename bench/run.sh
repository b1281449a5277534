#!/usr/bin/env bash
# Runs the FreshServe benchmarks and writes docs/benchmarks.md. Options: bench/run.sh --help (e.g. --quick).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v dotnet >/dev/null || { echo "bench: dotnet (the .NET 10 SDK) is needed to build freshserve" >&2; exit 1; }
exec /usr/bin/python3 bench/bench.py "$@"
