#!/usr/bin/env bash
# run-local.sh run|demo: the suite on this machine (what `make run` / `make demo` call).
#
#   run   start PostgreSQL (ops/pg-local.sh), migrate, start the four services from
#         build/bin and stay in the foreground until Ctrl-C or SIGTERM.
#   demo  the same, then publish ops/samples/*.ndjson through jiuyectl, print what staff
#         received, and stop; the exit status says whether every step worked.
#
# Logs: var/log/<svc>.log. Everything this script started is stopped on exit, also when
# startup fails half-way (EXIT trap); PostgreSQL only if this script started it.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

mode=${1:-}
[[ "$mode" == run || "$mode" == demo ]] || { echo "usage: $0 run|demo" >&2; exit 2; }

# Start order: consumers before producers, so each producer's first send finds its peer.
SERVICES=(notify subsidy rules intake)
declare -A PORT=(
    [intake]=${INTAKE_HTTP_PORT:-8080} [rules]=${RULES_HTTP_PORT:-8081}
    [subsidy]=${SUBSIDY_HTTP_PORT:-8082} [notify]=${NOTIFY_HTTP_PORT:-8083}
)
declare -A PID=()
started_pg=0
unclean=0 # a service needed SIGKILL or exited nonzero on SIGTERM: a failed demo
LOGDIR=$ROOT/var/log

say() { echo "run-local: $*"; }

healthy() { curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$1/healthz" 2>/dev/null; }

alive() { [[ -e /proc/$1 ]] && [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) != Z ]]; }

# Stop producers first (reverse start order) so in-flight messages can still land.
stop_services() {
    local svc pid i
    for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do
        svc=${SERVICES[i]}
        pid=${PID[$svc]:-}
        if [[ -n "$pid" ]] && alive "$pid"; then kill -TERM "$pid" 2>/dev/null || true; fi
    done
    # Give the drain up to 10 s in total, then force.
    for ((i = 0; i < 100; i++)); do
        local any=0
        for svc in "${!PID[@]}"; do alive "${PID[$svc]}" && any=1; done
        ((any)) || break
        sleep 0.1
    done
    for svc in "${!PID[@]}"; do
        pid=${PID[$svc]}
        local killed=0 st=0
        if alive "$pid"; then
            say "$svc (pid $pid) ignored SIGTERM for 10 s; killing"
            kill -KILL "$pid" 2>/dev/null || true
            killed=1 unclean=1
        fi
        wait "$pid" 2>/dev/null || st=$?
        if ((st != 0 && killed == 0)); then
            say "$svc exited with status $st (see ${LOGDIR#"$ROOT"/}/$svc.log)"
            unclean=1
        fi
        unset "PID[$svc]"
    done
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if ((${#PID[@]})); then
        say "stopping services"
        stop_services
        ((rc != 0 || unclean == 0)) || rc=1
    fi
    if ((started_pg)); then
        ops/pg-local.sh stop || rc=1
    fi
    exit "$rc"
}
trap cleanup EXIT
# A signal ends the script through exit, which runs cleanup once.
trap 'exit 130' INT
trap 'exit 143' TERM

start_service() {
    local svc=$1 bin=$ROOT/build/bin/jiuye-$1 port=${PORT[$1]} log=$LOGDIR/$1.log
    [[ -x "$bin" ]] || { say "$bin is missing: run 'make all' first"; return 1; }
    # Something already answering on the port would make our health wait lie.
    if healthy "$port"; then
        say "port $port already serves /healthz (another run?); not starting $svc"
        return 1
    fi
    echo "=== $(date -Is) run-local.sh starting jiuye-$svc ===" >>"$log"
    "$bin" >>"$log" 2>&1 &
    PID[$svc]=$!
    local i
    for ((i = 0; i < 150; i++)); do # 30 s
        healthy "$port" && { say "$svc up on :$port (pid ${PID[$svc]}, log ${log#"$ROOT"/})"; return 0; }
        if ! alive "${PID[$svc]}"; then
            say "$svc exited during startup; last lines of $log:"
            tail -20 "$log" >&2
            return 1
        fi
        sleep 0.2
    done
    say "$svc not healthy on :$port after 30 s; last lines of $log:"
    tail -20 "$log" >&2
    return 1
}

mkdir -p "$LOGDIR"
if ! ops/pg-local.sh status >/dev/null; then
    started_pg=1
fi
ops/pg-local.sh start
eval "$(ops/pg-local.sh env)"
if [[ "$mode" == demo ]]; then
    # The demo starts from an empty database of its own each time, so that what it
    # prints is what the samples make due, not what an earlier run left in the ledger.
    say "fresh database jiuye_demo"
    psql -X -q -v ON_ERROR_STOP=1 -d postgres -c 'DROP DATABASE IF EXISTS jiuye_demo' -c 'CREATE DATABASE jiuye_demo'
    export PGDATABASE=jiuye_demo JIUYE_DB="${JIUYE_DB/dbname=jiuye/dbname=jiuye_demo}"
fi
ops/migrate.sh

# CURVE keys for the internal links, made once and kept beside the cluster.
if [[ ! -s "$ROOT/var/curve.env" ]]; then
    build/bin/jiuyectl keygen intake rules subsidy notify > "$ROOT/var/curve.env.new"
    chmod 600 "$ROOT/var/curve.env.new"
    mv "$ROOT/var/curve.env.new" "$ROOT/var/curve.env"
fi
set -a
# shellcheck disable=SC1091
. "$ROOT/var/curve.env"
set +a

# The staff console on notify reads decisions, awards and KPI from rules and subsidy.
export NOTIFY_RULES_URL=${NOTIFY_RULES_URL:-http://127.0.0.1:${PORT[rules]}}
export NOTIFY_SUBSIDY_URL=${NOTIFY_SUBSIDY_URL:-http://127.0.0.1:${PORT[subsidy]}}
export NOTIFY_WEB_DIR=${NOTIFY_WEB_DIR:-$ROOT/services/notify/web}

for svc in "${SERVICES[@]}"; do
    start_service "$svc"
done
say "all services up; logs in ${LOGDIR#"$ROOT"/}/{$(IFS=,; echo "${SERVICES[*]}")}.log"
say "staff console: http://127.0.0.1:${PORT[notify]}/console/ (token: build/bin/jiuyectl staff add NAME --district CODE --department AUDIENCE)"

if [[ "$mode" == run ]]; then
    say "press Ctrl-C to stop"
    # Sleep in the background so a signal is handled at once, not after the sleep;
    # a service that dies ends the run (nonzero) rather than leaving a half suite.
    while :; do
        sleep 1 &
        wait $! || true
        for svc in "${SERVICES[@]}"; do
            if ! alive "${PID[$svc]}"; then
                wait "${PID[$svc]}" && rc=0 || rc=$?
                unset "PID[$svc]"
                say "$svc exited unexpectedly (status $rc); last lines of $LOGDIR/$svc.log:"
                tail -20 "$LOGDIR/$svc.log" >&2
                exit 1
            fi
        done
    done
fi

# demo
shopt -s nullglob
samples=(ops/samples/*.ndjson)
((${#samples[@]})) || { say "no ops/samples/*.ndjson to publish"; exit 1; }
[[ -r ops/samples/expected-notifications ]] || { say "ops/samples/expected-notifications is missing"; exit 1; }
expected=$(<ops/samples/expected-notifications)

say "registering source demo"
TOKEN=$(build/bin/jiuyectl source add demo)
[[ -n "$TOKEN" ]] || { say "jiuyectl source add printed no token"; exit 1; }
say "publishing ${samples[*]}"
build/bin/jiuyectl publish --token "$TOKEN" "${samples[@]}"
say "waiting for $expected notifications (read with a new operator token)"
OPERATOR=$(build/bin/jiuyectl operator add "demo-$(date +%s)")
[[ -n "$OPERATOR" ]] || { say "jiuyectl operator add printed no token"; exit 1; }
build/bin/jiuyectl --token "$OPERATOR" notifications --wait-count "$expected" --timeout 60
say "demo finished"
