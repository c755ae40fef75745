#!/usr/bin/env bash
# bench/run.sh: pnpd's benchmark. It builds pnpd and the harness's helpers,
# and on loopback only:
#   1. maximum load: wrk drives POST /bot/pnp/push with the mix of push.lua
#      (70 % delivered at once with a webhook, 20 % held, 8 % refused with
#      422, 2 % bad requests) against pnpd with 10,000 seeded recipients;
#   2. the same against the baseline, a bare net/http server (bench/baseline);
#   3. a steady 2,000 requests/s for 60 s against pnpd, then the baseline;
#   4. a steady 500 requests/s (a quarter of the target) for 30 s against
#      pnpd, to see its latency below saturation;
#   5. maximum load again against pnpd with 1,000,000 seeded recipients.
# Each pnpd run gets a fresh data folder, seeded before pnpd starts. A full
# run then writes bench/RESULTS.md and bench/results.png; --quick and
# --profile runs write theirs into bench/.out.
#
#   bench/run.sh            the full run (about 5 minutes)
#   bench/run.sh --quick    short runs and 100,000 recipients (about 1 minute)
#   bench/run.sh --profile  also take Go CPU profiles of pnpd at maximum load
#                           and at 500/s (pnpd --pprof; bench/.out/profile.txt);
#                           profiling costs pnpd some CPU, so not for RESULTS.md
#   bench/run.sh --keep     keep the work folder (data, logs, raw results)
#
# Settings (environment): BENCH_MAX_SECONDS, BENCH_STEADY_SECONDS,
# BENCH_BASELINE_STEADY_SECONDS, BENCH_RATE, BENCH_LOW_RATE, BENCH_LOW_SECONDS,
# BENCH_SMALL, BENCH_LARGE, BENCH_THREADS, BENCH_CONNECTIONS,
# BENCH_DRAIN_SECONDS, BENCH_MIX, BENCH_KIND (flexible, the default, or template:
# the same mix sent as template notifications to
# /v2/bot/message/pnp/templated/push; the baseline answers any path alike).
set -euo pipefail

cd "$(dirname "$0")/.."
REPO=$(pwd)
OUT=$REPO/bench/.out

mode=full keep=false profile=false
for arg in "$@"; do
  case $arg in
    --quick) mode=quick ;;
    --keep) keep=true ;;
    --profile) profile=true ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument $arg (try --help)" >&2; exit 2 ;;
  esac
done

if [[ $mode == quick ]]; then
  : "${BENCH_MAX_SECONDS:=5}" "${BENCH_STEADY_SECONDS:=10}" "${BENCH_LARGE:=100000}"
  : "${BENCH_DRAIN_SECONDS:=10}" "${BENCH_LOW_SECONDS:=8}"
else
  : "${BENCH_MAX_SECONDS:=15}" "${BENCH_STEADY_SECONDS:=60}" "${BENCH_LARGE:=1000000}"
  : "${BENCH_DRAIN_SECONDS:=30}" "${BENCH_LOW_SECONDS:=30}"
fi
: "${BENCH_BASELINE_STEADY_SECONDS:=$BENCH_STEADY_SECONDS}"
: "${BENCH_RATE:=2000}" "${BENCH_LOW_RATE:=500}" "${BENCH_SMALL:=10000}" "${BENCH_THREADS:=2}"
: "${BENCH_CONNECTIONS:=32}" "${BENCH_MIX:=70,20,8,2}" "${BENCH_KIND:=flexible}"
case $BENCH_KIND in
  flexible) PUSH_PATH=/bot/pnp/push ;;
  template) PUSH_PATH=/v2/bot/message/pnp/templated/push ;;
  *) echo "run.sh: BENCH_KIND is flexible or template, not $BENCH_KIND" >&2; exit 2 ;;
esac

# --- tools -------------------------------------------------------------------
need() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "run.sh: $1 is missing; install it with: $2" >&2
    exit 1
  fi
}
need wrk "apt-get install -y wrk"
need go "Go 1.26 from https://go.dev/dl/"
need curl "apt-get install -y curl"
wrk_help=$(wrk --help 2>&1 || true)
if [[ $wrk_help != *--latency* ]]; then
  echo "run.sh: this wrk has no --latency; install Debian's: apt-get install -y wrk" >&2
  exit 1
fi
timer=()
if [[ -x /usr/bin/time ]]; then timer=(/usr/bin/time -f '%U %S' -o); fi

log() { printf '%s  %s\n' "$(date +%T)" "$*" >&2; }
now_ns() { date +%s%N; }
ms_since() { echo $(( ($(now_ns) - $1) / 1000000 )); }

# --- work folder and clean-up ------------------------------------------------
WORK=$(mktemp -d /tmp/pnpd-bench.XXXXXX)
RES=$WORK/results
mkdir -p "$RES" "$OUT"
pids=()

forget_pid() { # forget_pid PID: drop a stopped process from the clean-up list
  local p kept=()
  for p in "${pids[@]}"; do [[ $p == "$1" ]] || kept+=("$p"); done
  pids=("${kept[@]}")
}

stop_pid() { # stop_pid PID: TERM, up to 15 s for a clean shutdown, then KILL
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 300; i++)); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    sleep 0.05
  done
  log "process $pid did not stop in 15 s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local pid
  for pid in "${pids[@]}"; do stop_pid "$pid"; done
  if [[ $keep == true ]]; then
    log "work folder kept: $WORK"
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_for() { # wait_for SECONDS COMMAND...: poll every 2 ms
  local deadline=$(( $(now_ns) + $1 * 1000000000 )); shift
  until "$@" >/dev/null 2>&1; do
    if (( $(now_ns) > deadline )); then return 1; fi
    sleep 0.002
  done
}

# --- build ---------------------------------------------------------------------
log "building pnpd and the harness into bench/.out"
go build -o "$OUT/pnpd" ./cmd/pnpd
for prog in baseline receiver seed report; do
  go build -o "$OUT/$prog" "./bench/$prog"
done

pprof_flag=()
if [[ $profile == true ]]; then
  if [[ $("$OUT/pnpd" serve --help 2>&1 || true) == *-pprof* ]]; then
    pprof_flag=(--pprof)
  else
    log "this pnpd has no --pprof flag: no profile"
    profile=false
  fi
fi

# --- the machine -----------------------------------------------------------------
{
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "mode=$mode"
  echo "nproc=$(nproc)"
  echo "cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
  echo "memory=$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
  echo "kernel=$(uname -r)"
  echo "go=$(go version | cut -d' ' -f3)"
  echo "wrk=$(wrk -v 2>&1 | head -1 | cut -d' ' -f2)"
  echo "commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "dirty=$(git status --porcelain -- . ':!bench' 2>/dev/null | awk '{print $2}' | tr '\n' ' ')"
  echo "load_before=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "threads=$BENCH_THREADS"
  echo "connections=$BENCH_CONNECTIONS"
  echo "max_seconds=$BENCH_MAX_SECONDS"
  echo "steady_seconds=$BENCH_STEADY_SECONDS"
  echo "baseline_steady_seconds=$BENCH_BASELINE_STEADY_SECONDS"
  echo "rate=$BENCH_RATE"
  echo "low_rate=$BENCH_LOW_RATE"
  echo "low_seconds=$BENCH_LOW_SECONDS"
  echo "small=$BENCH_SMALL"
  echo "large=$BENCH_LARGE"
  echo "mix=$BENCH_MIX"
  echo "kind=$BENCH_KIND"
  echo "drain_seconds=$BENCH_DRAIN_SECONDS"
} >"$RES/meta.env"
load1=$(cut -d' ' -f1 /proc/loadavg)
if awk -v l="$load1" 'BEGIN { exit !(l > 0.5) }'; then
  log "warning: load average $load1 before the run; other work on this machine skews the numbers"
fi

# --- the webhook receiver, up for the whole run ---------------------------------
"$OUT/receiver" -addr 127.0.0.1:0 -addr-file "$WORK/receiver.addr" 2>"$RES/receiver.err" &
pids+=($!)
wait_for 5 test -s "$WORK/receiver.addr" || { log "the receiver did not start"; exit 1; }
RECEIVER=http://$(cat "$WORK/receiver.addr")

# --- helpers ---------------------------------------------------------------------
busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
json_int() { grep -o "\"$2\":[0-9]*" "$1" | head -1 | cut -d: -f2; }

# run_wrk NAME URL RATE SECONDS HASHES TOKEN PID: one wrk run, with the
# server's CPU time and memory around it.
run_wrk() {
  local name=$1 url=$2 rate=$3 secs=$4 hashes=$5 token=$6 pid=$7
  local c0 c1 t0 wall b0 b1 prof_pid=""
  echo "load_before=$(cut -d' ' -f1 /proc/loadavg)" >>"$RES/$name.proc.env"
  b0=$(busy_ticks)
  c0=$(cpu_ticks "$pid")
  t0=$(now_ns)
  if [[ $profile == true && ($name == max-small || $name == steady-low) ]]; then
    curl -s -o "$OUT/profile-$name.pprof" "$url/debug/pprof/profile?seconds=$secs" &
    prof_pid=$!
  fi
  BENCH_HASHES=$hashes BENCH_TOKEN=$token BENCH_RATE=$rate BENCH_MIX=$BENCH_MIX \
    BENCH_KIND=$BENCH_KIND BENCH_THREADS=$BENCH_THREADS BENCH_OUT="$RES/$name.wrk.json" \
    "${timer[@]}" ${timer:+"$RES/$name.wrk.cpu"} \
    wrk -t"$BENCH_THREADS" -c"$BENCH_CONNECTIONS" -d"${secs}s" --latency --timeout 10s \
    -s bench/push.lua "$url$PUSH_PATH" >"$RES/$name.wrk.txt"
  wall=$(ms_since "$t0")
  c1=$(cpu_ticks "$pid")
  b1=$(busy_ticks)
  if [[ -n $prof_pid ]]; then wait "$prof_pid" || true; fi
  {
    echo "wall_ms=$wall"
    echo "cpu_ms=$(( (c1 - c0) * 1000 / $(getconf CLK_TCK) ))"
    echo "machine_busy_ms=$(( (b1 - b0) * 1000 / $(getconf CLK_TCK) ))"
    echo "hwm_kb=$(status_kb "$pid" VmHWM)"
    echo "rss_kb=$(status_kb "$pid" VmRSS)"
    echo "threads=$(status_kb "$pid" Threads)"
  } >>"$RES/$name.proc.env"
  tail -1 "$RES/$name.wrk.txt" >&2
}

# pnpd_phase NAME RECIPIENTS RATE SECONDS
pnpd_phase() {
  local name=$1 n=$2 rate=$3 secs=$4
  local dir=$WORK/$name t0 pid url token sandbox_token expected got drain_t0

  log "$name: seeding $n recipients"
  "$OUT/seed" -db "$dir/data/pnpd.db" -n "$n" -hashes "$dir/hashes" \
    -json "$RES/$name.seed.json" >&2

  sandbox_token=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
  t0=$(now_ns)
  PNPD_SANDBOX_TOKEN=$sandbox_token "$OUT/pnpd" serve --demo --addr 127.0.0.1:0 \
    --data "$dir/data" --rate-limit 0 --log-level warn "${pprof_flag[@]}" \
    >"$RES/$name.pnpd.out" 2>"$RES/$name.pnpd.err" &
  pid=$!
  pids+=("$pid")
  wait_for 10 grep -q '^pnpd listening on ' "$RES/$name.pnpd.out" ||
    { log "pnpd did not start:"; cat "$RES/$name.pnpd.err" >&2; exit 1; }
  echo "listen_ms=$(ms_since "$t0")" >"$RES/$name.proc.env"
  url=$(sed -n 's/^pnpd listening on //p' "$RES/$name.pnpd.out")
  wait_for 10 curl -sf -o /dev/null "$url/login" || { log "pnpd does not answer"; exit 1; }
  echo "ready_ms=$(ms_since "$t0")" >>"$RES/$name.proc.env"

  token=$(curl -sf "$url/sandbox/v1/channels" -H "Authorization: Bearer $sandbox_token" \
    -H 'Content-Type: application/json' \
    -d '{"name":"Bench Shop","webhookUrl":"'"$RECEIVER"'/callback"}' |
    sed -n 's/.*"accessToken":"\([^"]*\)".*/\1/p')
  [[ -n $token ]] || { log "could not create the channel"; exit 1; }
  curl -sf -o /dev/null "$RECEIVER/stats?reset=1"

  log "$name: wrk ${secs}s, rate ${rate/#0/unlimited} against pnpd ($url)"
  run_wrk "$name" "$url" "$rate" "$secs" "$dir/hashes" "$token" "$pid"

  # Wait for the webhooks still queued, up to the drain limit. Requests in
  # flight when wrk stops may be cancelled, so up to one per connection may
  # never have a webhook: stop waiting once none has come for a second.
  expected=$(json_int "$RES/$name.wrk.json" agreed)
  drain_t0=$(now_ns)
  local prev=-1 changed
  changed=$(now_ns)
  while :; do
    got=$(curl -sf "$RECEIVER/stats" | grep -o '"count":[0-9]*' | cut -d: -f2 || true)
    got=${got:-0}
    if (( got != prev )); then prev=$got changed=$(now_ns); fi
    if (( got >= expected )) ||
      (( got >= expected - BENCH_CONNECTIONS && $(ms_since "$changed") > 1000 )) ||
      (( $(ms_since "$drain_t0") > BENCH_DRAIN_SECONDS * 1000 )); then
      break
    fi
    sleep 0.2
  done
  {
    echo "webhooks_expected=$expected"
    echo "webhooks_received=$got"
    echo "drain_ms=$(ms_since "$drain_t0")"
  } >>"$RES/$name.proc.env"
  curl -sf "$RECEIVER/stats?reset=1" >"$RES/$name.hook.json"
  log "$name: webhooks for $got of $expected requests to consented recipients arrived"

  t0=$(now_ns)
  stop_pid "$pid"
  forget_pid "$pid"
  echo "shutdown_ms=$(ms_since "$t0")" >>"$RES/$name.proc.env"
  if [[ $keep != true ]]; then rm -rf "$dir/data"; fi
}

# baseline_phase NAME HASHES RATE SECONDS
baseline_phase() {
  local name=$1 hashes=$2 rate=$3 secs=$4 pid t0 url
  rm -f "$WORK/baseline.addr"
  t0=$(now_ns)
  "$OUT/baseline" -addr 127.0.0.1:0 -addr-file "$WORK/baseline.addr" 2>"$RES/$name.err" &
  pid=$!
  pids+=("$pid")
  wait_for 5 test -s "$WORK/baseline.addr" || { log "the baseline did not start"; exit 1; }
  url=http://$(cat "$WORK/baseline.addr")
  wait_for 5 curl -sf -o /dev/null "$url/healthz" || { log "the baseline does not answer"; exit 1; }
  echo "ready_ms=$(ms_since "$t0")" >"$RES/$name.proc.env"

  log "$name: wrk ${secs}s, rate ${rate/#0/unlimited} against the baseline ($url)"
  run_wrk "$name" "$url" "$rate" "$secs" "$hashes" baseline-needs-no-token "$pid"
  stop_pid "$pid"
  forget_pid "$pid"
}

# --- the runs, one at a time -------------------------------------------------------
started=$(now_ns)
pnpd_phase max-small "$BENCH_SMALL" 0 "$BENCH_MAX_SECONDS"
baseline_phase max-baseline "$WORK/max-small/hashes" 0 "$BENCH_MAX_SECONDS"
pnpd_phase steady-small "$BENCH_SMALL" "$BENCH_RATE" "$BENCH_STEADY_SECONDS"
baseline_phase steady-baseline "$WORK/max-small/hashes" "$BENCH_RATE" \
  "$BENCH_BASELINE_STEADY_SECONDS"
pnpd_phase steady-low "$BENCH_SMALL" "$BENCH_LOW_RATE" "$BENCH_LOW_SECONDS"
pnpd_phase max-large "$BENCH_LARGE" 0 "$BENCH_MAX_SECONDS"
echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$RES/meta.env"
echo "total_seconds=$(( $(ms_since "$started") / 1000 ))" >>"$RES/meta.env"

if [[ $profile == true ]]; then
  for name in max-small steady-low; do
    [[ -s $OUT/profile-$name.pprof ]] || continue
    echo "# pnpd in the $name run: CPU by function, own time (go tool pprof -top)"
    go tool pprof -top -nodecount=30 "$OUT/pnpd" "$OUT/profile-$name.pprof" 2>/dev/null
    echo
    echo "# The same, including callees (go tool pprof -top -cum)"
    go tool pprof -top -cum -nodecount=70 "$OUT/pnpd" "$OUT/profile-$name.pprof" 2>/dev/null
    echo
  done >"$OUT/profile.txt" || true
  log "CPU profiles of pnpd (maximum load, $BENCH_LOW_RATE/s): bench/.out/profile.txt"
fi

# Only a full run without profiling speaks for pnpd in bench/; the others
# write next to the raw results in bench/.out.
if [[ $mode == full && $profile == false ]]; then
  raw=$OUT/results md=bench/RESULTS.md chart=bench/results.png
else
  raw=$OUT/results-$mode md=$OUT/RESULTS-$mode.md chart=$OUT/results-$mode.png
fi
rm -rf "$raw"
cp -r "$RES" "$raw"
"$OUT/report" -results "$RES" -md "$md" -png "$chart"
log "wrote ${md#"$REPO/"} and ${chart#"$REPO/"} (raw results in ${raw#"$REPO/"})"
