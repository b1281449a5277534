#!/usr/bin/env bash
# Format check, build, test, pack into artifacts/. The one command CI and developers run.
#   build/build.sh              everything
#   build/build.sh --no-test    format, build and pack only
#   build/build.sh --no-format  skip the format check
set -euo pipefail
cd "$(dirname "$0")/.."

run_tests=1
check_format=1
for arg in "$@"; do
  case "$arg" in
    --no-test) run_tests=0 ;;
    --no-format) check_format=0 ;;
    *) echo "build.sh: unknown option '$arg' (use --no-test, --no-format)" >&2; exit 2 ;;
  esac
done

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

if [ "$check_format" = 1 ]; then
  echo "==> format check"
  dotnet format whitespace FreshServe.sln --verify-no-changes
fi

echo "==> build (Release)"
dotnet build FreshServe.sln -c Release

if [ "$run_tests" = 1 ]; then
  echo "==> test"
  mkdir -p artifacts
  dotnet test FreshServe.sln -c Release --no-build --logger "trx;LogFileName=tests.trx" \
    --results-directory artifacts/test-results
fi

echo "==> pack"
rm -f artifacts/freshserve.*.nupkg
dotnet pack src/FreshServe/FreshServe.csproj -c Release --no-build -o artifacts
ls artifacts/*.nupkg
