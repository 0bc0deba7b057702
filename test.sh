#!/usr/bin/env bash
# Runs every test project and ends with one line "N passed, N failed" summed over all of them.
# Installs what the tests need when it is missing (PostgreSQL server binaries, Chromium, nginx, redis-server, coturn,
# wrk, node/npm), using apt-get as root.
set -uo pipefail
cd "$(dirname "$0")"

need_packages=()
have_postgres() {
  command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1 && return 0
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
}
have_postgres || need_packages+=(postgresql)
[ -x /usr/bin/chromium ] || need_packages+=(chromium)
[ -x /usr/sbin/nginx ] || need_packages+=(nginx)
[ -x /usr/bin/redis-server ] || need_packages+=(redis-server)
# The TURN tests (tests/IntegrationTests/Webrtc, tests/BrowserTests/RelayCallTests.cs) run coturn's turnserver.
[ -x /usr/bin/turnserver ] || need_packages+=(coturn)
# The load tool's smoke runs (tests/LoadToolSmokeTests): wrk for the HTTP load, node/npm for the bare relay.
command -v wrk >/dev/null 2>&1 || need_packages+=(wrk)
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || need_packages+=(nodejs npm)
if [ ${#need_packages[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing test prerequisites: ${need_packages[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq "${need_packages[@]}" >/dev/null || echo "warning: could not install ${need_packages[*]}"
  else
    echo "warning: missing ${need_packages[*]}; install them (apt-get install -y ${need_packages[*]})"
  fi
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

if ! dotnet build Speaking.sln -c Release -nologo -v q; then
  echo "Build failed."
  echo "0 passed, 1 failed"
  exit 1
fi

passed=0
failed=0
status=0
results_dir="$(mktemp -d)"
for project in tests/*/*.csproj; do
  name="$(basename "$project" .csproj)"
  log="$results_dir/$name.log"
  echo "== $name"
  dotnet test "$project" -c Release --no-build -nologo --logger "console;verbosity=normal" 2>&1 | tee "$log" | grep -E "^\s+(Failed|Passed|Skipped) |Error Message|^\s+(Assert|Shouldly)|(Passed|Failed)!" | grep -vE "^\s+Passed " || true
  code=${PIPESTATUS[0]}
  # The vstest console summary: "Total tests: N" followed by "Passed: N" / "Failed: N" lines.
  if ! grep -qE "^Total tests: [0-9]+" "$log"; then
    echo "$name: no test summary (the test host crashed or nothing ran)"
    failed=$((failed + 1))
    status=1
    continue
  fi
  p=$(sed -nE 's/^ +Passed: +([0-9]+)$/\1/p' "$log" | tail -n 1)
  f=$(sed -nE 's/^ +Failed: +([0-9]+)$/\1/p' "$log" | tail -n 1)
  p=${p:-0}
  f=${f:-0}
  echo "$name: $p passed, $f failed"
  passed=$((passed + p))
  failed=$((failed + f))
  if [ "$code" -ne 0 ] || [ "$f" -ne 0 ]; then status=1; fi
done

echo "$passed passed, $failed failed"
exit $status
