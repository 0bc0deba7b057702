#!/usr/bin/env bash
# Logging before and after (issue 11, item 1): /health and /auth/me req/s of the service built from
#   BEFORE  the commit before the Serilog change (hand-written request logger, Serilog's synchronous console sink),
#   AFTER   the change itself (Serilog.AspNetCore request log through the asynchronous sink),
#   CURRENT this checkout's Release build (src/Api/bin/Release/net10.0, `dotnet build Speaking.sln -c Release` first),
# all three running at once against one throwaway PostgreSQL (one database each, fsync off), measured with wrk in
# the same run, alternating service order every round. Two console set-ups, each a fresh start of the three:
#   file  stdout and stderr appended to a file (what a container runtime's log file costs),
#   slow  stdout and stderr into a pipe whose reader takes about 100 KB/s (a slow console or log shipper).
# Logging at the production defaults (appsettings.json: Information, one line per request; LOG_FORMAT=text).
#
# Usage (from the repository root): benchmarks/logging/before-after.sh [rounds=3] [seconds=10]
# Prints one table row per measurement on stdout; the services' logs and wrk's output stay in $WORK.
set -euo pipefail

ROUNDS=${1:-3}
SECONDS_PER_RUN=${2:-10}
ROOT=$(git rev-parse --show-toplevel)
WORK=${WORK:-/tmp/speaking-logging-bench}
BEFORE=${BEFORE:-6fd7d8a}
AFTER=${AFTER:-6769a14}
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PGPORT=${PGPORT:-55432}
SECRET=logging-benchmark-secret-key-0123456789
declare -A PORTS=([before]=18101 [after]=18102 [current]=18103)
declare -A DLL
declare -A TOKEN
declare -A PIDS

mkdir -p "$WORK"
as_postgres() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }

build() { # name commit
  local dir="$WORK/$1"
  if [ ! -f "$dir/src/Api/bin/Release/net10.0/Speaking.Api.dll" ]; then
    rm -rf "$dir" && mkdir -p "$dir"
    git -C "$ROOT" archive "$2" | tar -x -C "$dir"
    dotnet build "$dir/src/Api" -c Release -nologo -v q >&2
  fi
  DLL[$1]="$dir/src/Api/bin/Release/net10.0/Speaking.Api.dll"
}

build before "$BEFORE"
build after "$AFTER"
DLL[current]="$ROOT/src/Api/bin/Release/net10.0/Speaking.Api.dll"
[ -f "${DLL[current]}" ] || { echo "build the checkout first: dotnet build Speaking.sln -c Release" >&2; exit 1; }

# One PostgreSQL for all three, as production would have (fsync off: the disk is not what is measured).
PGDATA="$WORK/pg"
rm -rf "$PGDATA" && mkdir -p "$PGDATA" && chmod 777 "$WORK" && [ "$(id -u)" = 0 ] && chown postgres "$PGDATA"
as_postgres "$PGBIN/initdb -D $PGDATA -U postgres -A trust >/dev/null"
as_postgres "$PGBIN/pg_ctl -D $PGDATA -o '-p $PGPORT -k /tmp -c fsync=off -c max_connections=400' -l $PGDATA/log -w start >/dev/null"
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; as_postgres "$PGBIN/pg_ctl -D $PGDATA -m fast stop >/dev/null" || true' EXIT
for name in before after current; do "$PGBIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -qc "CREATE DATABASE bench_$name" >/dev/null; done

start_all() { # mode
  for name in before after current; do
    local env=(DATABASE_URL="postgresql://postgres@127.0.0.1:$PGPORT/bench_$name" HOST=127.0.0.1 PORT="${PORTS[$name]}"
      SECRET_KEY="$SECRET" LOG_FORMAT=text PASSWORD_HASH_ITERATIONS=1000)
    if [ "$1" = file ]; then
      env "${env[@]}" dotnet "${DLL[$name]}" >>"$WORK/$name-file.log" 2>&1 &
      PIDS[$name]=$!
    else
      # ~100 KB/s: 4 KB every 40 ms.
      env "${env[@]}" dotnet "${DLL[$name]}" 2>&1 | python3 -u -c '
import sys, time
out = open(sys.argv[1], "ab")
while True:
    chunk = sys.stdin.buffer.read1(4096)
    if not chunk: break
    out.write(chunk); time.sleep(0.04)' "$WORK/$name-slow.log" &
      sleep 0.5
      PIDS[$name]=$(pgrep -nf "dotnet ${DLL[$name]}")
    fi
  done
  for name in before after current; do
    for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:${PORTS[$name]}/health" >/dev/null && break; sleep 0.5; done
    TOKEN[$name]=$(curl -sf -X POST "http://127.0.0.1:${PORTS[$name]}/auth/register" -H 'Content-Type: application/json' \
      -d "{\"email\":\"bench$RANDOM$RANDOM@example.com\",\"password\":\"secret123\",\"username\":\"Bench\"}" |
      python3 -c 'import sys,json; print(json.load(sys.stdin)["access_token"])')
  done
}

stop_all() {
  for name in before after current; do kill "${PIDS[$name]}" 2>/dev/null || true; done
  for name in before after current; do
    for _ in $(seq 1 300); do kill -0 "${PIDS[$name]}" 2>/dev/null || break; sleep 0.2; done
    kill -9 "${PIDS[$name]}" 2>/dev/null || true
  done
  sleep 1
}

measure() { # mode round name route
  local url="http://127.0.0.1:${PORTS[$3]}$4" header=()
  [ "$4" = /auth/me ] && header=(-H "Authorization: Bearer ${TOKEN[$3]}")
  wrk -t2 -c64 -d2s "${header[@]}" "$url" >/dev/null   # warm-up
  local out; out=$(wrk -t2 -c64 -d"${SECONDS_PER_RUN}"s --latency "${header[@]}" "$url")
  echo "$out" >>"$WORK/wrk.log"
  local rps p50 p99 non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  echo "| $1 | $2 | $3 | $4 | $rps | $p50 | $p99 | ${non2xx:-0} | $(cut -d' ' -f1 /proc/loadavg) |"
}

echo "| console | round | build | route | req/s | p50 | p99 | non-2xx | load (1 min) |"
echo "| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: |"
for mode in file slow; do
  start_all "$mode"
  order=(before after current)
  for round in $(seq 1 "$ROUNDS"); do
    for route in /health /auth/me; do
      for name in "${order[@]}"; do measure "$mode" "$round" "$name" "$route"; done
    done
    order=("${order[1]}" "${order[2]}" "${order[0]}")
  done
  stop_all
done
