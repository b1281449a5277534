#!/usr/bin/env bash
# Format check, build, pack into artifacts/, test. The one command CI and developers run.
#   build/build.sh              everything
#   build/build.sh --no-test    format, build and pack only
#   build/build.sh --no-format  skip the format check
#   build/build.sh --no-native  skip the linux-x64 Native AOT package, tarball, wheel and native tests (the fast loop)
#
# artifacts/ gets the three tool packages (.NET 10 RID-specific tools): freshserve (the pointer package),
# freshserve.linux-x64 (Native AOT; needs clang and zlib1g-dev) and freshserve.any (framework-dependent, for every
# other platform); on linux-x64 also freshserve-VERSION-linux-x64.tar.gz and a Python wheel around the native binary.
set -euo pipefail
cd "$(dirname "$0")/.."

run_tests=1
check_format=1
native=1
for arg in "$@"; do
  case "$arg" in
    --no-test) run_tests=0 ;;
    --no-format) check_format=0 ;;
    --no-native) native=0 ;;
    *) echo "build.sh: unknown option '$arg' (use --no-test, --no-format, --no-native)" >&2; exit 2 ;;
  esac
done
if [ "$native" = 1 ] && [ "$(uname -sm)" != "Linux x86_64" ]; then
  echo "build.sh: the Native AOT package is built on linux-x64 only; this is $(uname -sm): packing the fallback only"
  native=0
fi

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
step() { echo "==> $1"; step_started=$SECONDS; }
took() { echo "    ($(( SECONDS - step_started )) s)"; }

if [ "$check_format" = 1 ]; then
  step "format check"
  dotnet format whitespace FreshServe.sln --verify-no-changes
fi

step "build (Release)"
dotnet build FreshServe.sln -c Release
took

step "pack: freshserve (pointer) and freshserve.any (framework-dependent fallback)"
mkdir -p artifacts
rm -f artifacts/freshserve*.nupkg artifacts/freshserve-*.tar.gz artifacts/freshserve-*.whl
rm -rf artifacts/native
dotnet pack src/FreshServe/FreshServe.csproj -c Release --no-build -o artifacts -p:FreshServeNativePackage=$([ "$native" = 1 ] && echo true || echo false)
dotnet pack src/FreshServe/FreshServe.csproj -c Release -r any -p:PublishAot=false -o artifacts
took

if [ "$native" = 1 ]; then
  step "pack: freshserve.linux-x64 (Native AOT)"
  # The package takes every file of the publish folder: clear what an older publish left there.
  rm -rf src/FreshServe/bin/Release/net10.0/linux-x64/publish
  dotnet pack src/FreshServe/FreshServe.csproj -c Release -r linux-x64 -o artifacts
  took

  step "tarball and wheel around the native binary"
  version=$(dotnet msbuild src/FreshServe/FreshServe.csproj -getProperty:PackageVersion -p:Configuration=Release)
  # The binary exactly as the tool package ships it.
  mkdir -p artifacts/native
  /usr/bin/env python3 -c 'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read("tools/any/linux-x64/freshserve"))' \
    "artifacts/freshserve.linux-x64.$version.nupkg" > artifacts/native/freshserve
  chmod +x artifacts/native/freshserve
  build/native_dist.py artifacts/native/freshserve "$version" artifacts
fi
ls artifacts/*.nupkg artifacts/*.tar.gz artifacts/*.whl 2>/dev/null

if [ "$run_tests" = 1 ]; then
  step "test (JIT build)"
  dotnet test FreshServe.sln -c Release --no-build --logger "trx;LogFileName=tests.trx" \
    --results-directory artifacts/test-results
  took

  if [ "$native" = 1 ]; then
    # What users of the linux-x64 package get: restart, proxy, process trees, sessions and doctor, bad input, keys,
    # each run against the native binary (FRESHSERVE_UNDER_TEST, see test/FreshServe.Tests/Infrastructure/TestPaths.cs).
    step "test (Native AOT binary: end-to-end subset)"
    FRESHSERVE_UNDER_TEST="$PWD/artifacts/native/freshserve" dotnet test test/FreshServe.Tests -c Release --no-build \
      --filter "$(paste -sd'|' build/native-tests.txt)" \
      --logger "trx;LogFileName=tests-native.trx" --results-directory artifacts/test-results
    took
  fi
fi
