#!/usr/bin/env bash
# tests/bench/run.sh: the benchmark of docs/performance.md (what `make bench` and `make bench-smoke` call
# after building build/bin and build/bench/jiuye_bench).
#
# Starts a private PostgreSQL the way tests/run.sh does (ops/pg-local.sh in a fresh temp dir
# owned by postgres, migrated), with track_commit_timestamp on so that latencies end at the
# notification's commit, and the four optimized services (build/bin) on ports of their own,
# then runs the scenarios with build/bench/jiuye_bench and prints a summary table:
#
#   http-max   HTTP POST /v1/events, batches of 100, 4 connections, as fast as possible
#   http-intake  the same with rules, subsidy and notify stopped (SIGSTOP) until the last
#              acknowledgement: intake's own rate, the machine to itself (--intake-alone)
#   zmq-max    ZeroMQ EventBatch of 1000, 4 in flight, as fast as possible; + the ceilings
#              (jiuye_bench --ceiling: rows/s of one table, and the same rows as the pipeline wrote)
#   zmq-1000   ZeroMQ EventBatch of 100 at a fixed 1 000 events/s (the latency figure)
#   zmq-1000-b10  the same rate in EventBatches of 10 (16 in flight): what the batch size
#              upstream does to latency (each stage takes a burst as one transaction)
#   custom     (BENCH_CUSTOM="jiuye_bench options") only this one, for exploring
#   memory     (BENCH_LONG=1) ZeroMQ at BENCH_LONG_RATE (1000) events/s in batches of 10 for
#              BENCH_LONG_SECONDS (600), resident memory printed every minute
#
# Every scenario publishes the mixed stream of jiuye_bench.c and waits until the pipeline has
# processed all of it, so each starts from an idle suite. Everything it started is stopped on
# exit, also on failure or Ctrl-C. Only 127.0.0.1 is used.
# Env: BENCH_EVENTS (20000), BENCH_LONG (0), BENCH_LONG_SECONDS (600), BENCH_LONG_RATE (1000),
#      JIUYE_BENCH_PGPORT (25499), JIUYE_BENCH_PORT_OFFSET (0) added to the service ports
#      19080-19083 (HTTP) and 16550-16553 (ZeroMQ), BENCH_CURVE (1: CURVE keys on the internal
#      links as in `make run`, when jiuyectl keygen exists; 0: plain), JIUYE_KEEP_TMP=1,
#      BENCH_PG_SOCKET (0; 1: the services use PostgreSQL's unix socket instead of TCP),
#      BENCH_PG_STATEMENTS (0; 1: pg_stat_statements with planning time, printed at the end;
#      BENCH_PG_STATEMENTS_TOP statements per scenario, 15),
#      BENCH_PG_WAL (0; 1: wal_compression, max_wal_size and checkpoint_timeout raised),
#      BENCH_PG_CONF ("name=value ...": other server settings to try, e.g. shared_buffers=1GB),
#      BENCH_TIMELINE (0; 1: every scenario prints its commits per second and stage),
#      BENCH_SETTLE (0; 1: VACUUM ANALYZE before each fixed-rate scenario),
#      BENCH_WAL_WARM (1: WAL segments made ready before the scenarios, as on a server that has
#      run; 0: a new cluster creates them as it goes).
# The last line is "bench summary: ..." when every scenario went through; exit status 1 otherwise.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"

EVENTS=${BENCH_EVENTS:-20000}
LONG=${BENCH_LONG:-0}
LONG_S=${BENCH_LONG_SECONDS:-600}
LONG_RATE=${BENCH_LONG_RATE:-1000}
SMOKE=${BENCH_SMOKE:-0}
CURVE=${BENCH_CURVE:-1}
PGPORT_BENCH=${JIUYE_BENCH_PGPORT:-25499}
OFF=${JIUYE_BENCH_PORT_OFFSET:-0}
KEEP=${JIUYE_KEEP_TMP:-0}
BIN=$ROOT/build/bin
BENCH=$ROOT/build/bench/jiuye_bench

for f in "$BENCH" "$BIN"/jiuye-{intake,rules,subsidy,notify}; do
    [[ -x "$f" ]] || { echo "bench: $f is missing; run 'make bench' (or make bench-build)" >&2; exit 1; }
done

# Nothing from the caller's environment (tests/run.sh exports its own ports, cluster and
# keys) may leak into the services: they get exactly what is set below.
while read -r v; do
    case "$v" in
        INTAKE_* | RULES_* | SUBSIDY_* | NOTIFY_* | JIUYE_* | PG*) unset "$v" ;;
    esac
done < <(compgen -e)

tmp=$(mktemp -d /tmp/jiuye-bench.XXXXXX)
chown postgres:postgres "$tmp"
chmod 755 "$tmp"
mkdir -p "$tmp/logs"
export JIUYE_PGDATA=$tmp/pg JIUYE_PGPORT=$PGPORT_BENCH

SERVICES=(notify subsidy rules intake) # consumers first
declare -A PID=()
declare -A HTTP=([intake]=$((19080 + OFF)) [rules]=$((19081 + OFF)) [subsidy]=$((19082 + OFF)) [notify]=$((19083 + OFF)))
failed=0

alive() { [[ -e /proc/$1 ]] && [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) != Z ]]; }
healthy() { curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$1/healthz" 2>/dev/null; }

# Producers first, so that what is in flight lands; SIGKILL after 10 s.
stop_services() {
    local svc i pid st
    for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do
        pid=${PID[${SERVICES[i]}]:-}
        # SIGCONT first: one a killed jiuye_bench --intake-alone left stopped could not act on TERM.
        [[ -z "$pid" ]] || { kill -CONT "$pid" 2>/dev/null; kill -TERM "$pid" 2>/dev/null; } || true
    done
    for ((i = 0; i < 100; i++)); do
        local any=0
        for svc in "${!PID[@]}"; do alive "${PID[$svc]}" && any=1; done
        ((any)) || break
        sleep 0.1
    done
    for svc in "${!PID[@]}"; do
        pid=${PID[$svc]} st=0
        if alive "$pid"; then
            echo "bench: $svc (pid $pid) ignored SIGTERM for 10 s; killing"
            kill -KILL "$pid" 2>/dev/null || true
            failed=1
        fi
        wait "$pid" 2>/dev/null || st=$?
        if ((st != 0)); then
            echo "bench: $svc exited with status $st; last lines of its log:"
            tail -5 "$tmp/logs/$svc.log" | sed 's/^/  | /'
            failed=1
        fi
        unset "PID[$svc]"
    done
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    ((${#PID[@]} == 0)) || stop_services
    ops/pg-local.sh stop >/dev/null 2>&1 || true
    if [[ "$KEEP" == 1 ]]; then
        echo "bench: keeping $tmp (logs in $tmp/logs)"
    else
        rm -rf "$tmp"
    fi
    ((failed == 0)) || rc=1
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- PostgreSQL: as in tests/run.sh, plus commit timestamps for the latency figures ---------
if ! ops/pg-local.sh start >"$tmp/logs/pg-start.log" 2>&1; then
    echo "bench: PostgreSQL did not start on 127.0.0.1:$JIUYE_PGPORT:"
    cat "$tmp/logs/pg-start.log"
    exit 1
fi
eval "$(ops/pg-local.sh env)"
# BENCH_PG_SOCKET=1: the services reach PostgreSQL over its unix socket instead of TCP on
# 127.0.0.1 (what a deployment with the database on the same host can do; see docs/performance.md).
if [[ "${BENCH_PG_SOCKET:-0}" == 1 && -d "$JIUYE_PGDATA.sock" ]]; then
    export JIUYE_DB="host=$JIUYE_PGDATA.sock port=$JIUYE_PGPORT dbname=jiuye"
fi
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "ALTER SYSTEM SET track_commit_timestamp = on" >/dev/null
# pg.log (JIUYE_KEEP_TMP=1) shows each checkpoint and autovacuum/autoanalyze with its time, to set
# against a latency spike.
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "ALTER SYSTEM SET log_autovacuum_min_duration = 0" >/dev/null
# BENCH_PG_WAL=1: the WAL and checkpoint settings docs/operations.md discusses for large backfills
# ("PostgreSQL settings"), to compare with PostgreSQL's defaults (what the figures use).
if [[ "${BENCH_PG_WAL:-0}" == 1 ]]; then
    psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "ALTER SYSTEM SET wal_compression = 'lz4'" \
        -c "ALTER SYSTEM SET max_wal_size = '4GB'" -c "ALTER SYSTEM SET checkpoint_timeout = '15min'" >/dev/null
fi
# BENCH_PG_CONF="name=value ..." : any other server settings, for trying them (ALTER SYSTEM).
for setting in ${BENCH_PG_CONF:-}; do
    [[ "${setting%%=*}" =~ ^[a-z_.]+$ ]] || { echo "bench: bad BENCH_PG_CONF entry $setting"; exit 1; }
    psql -X -q -v ON_ERROR_STOP=1 -d postgres -v "v=${setting#*=}" >/dev/null <<<"ALTER SYSTEM SET ${setting%%=*} = :'v'" ||
        { echo "bench: bad BENCH_PG_CONF entry $setting"; exit 1; }
done
# BENCH_PG_STATEMENTS=1 (diagnosis, costs some throughput): pg_stat_statements, and the
# statements that took the most time printed at the end.
if [[ "${BENCH_PG_STATEMENTS:-0}" == 1 ]]; then
    psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'" >/dev/null
fi
ops/pg-local.sh stop >/dev/null
ops/pg-local.sh start >>"$tmp/logs/pg-start.log" 2>&1
if ! ops/migrate.sh >"$tmp/logs/migrate.log" 2>&1; then
    echo "bench: migrations failed:"
    cat "$tmp/logs/migrate.log"
    exit 1
fi
export JIUYE_BENCH_DB="host=127.0.0.1 port=$JIUYE_PGPORT dbname=jiuye user=postgres"
# BENCH_WAL_WARM (1): give the new cluster the WAL segments a running server has. A new
# cluster creates each 16 MB segment when its WAL reaches it (zero-filled and fsynced while
# every commit waits); a server that has run
# through a checkpoint reuses its old segments instead. 64 switches and a CHECKPOINT leave
# the old ones renamed ahead of the insert position, ready (docs/performance.md "A warm WAL").
if [[ "${BENCH_WAL_WARM:-1}" == 1 ]]; then
    t0=$(date +%s%N)
    psql -X -q -v ON_ERROR_STOP=1 -c "DO \$\$ BEGIN FOR i IN 1..64 LOOP
            PERFORM pg_logical_emit_message(false, 'jiuye-bench', 'warm');
            PERFORM pg_switch_wal(); END LOOP; END \$\$" -c "CHECKPOINT" >/dev/null
    ahead=$(psql -X -At -v ON_ERROR_STOP=1 -c "SELECT count(*) FROM pg_ls_waldir()
            WHERE name ~ '^[0-9A-F]{24}\$' AND name > pg_walfile_name(pg_current_wal_lsn())")
    echo "bench: WAL warmed: $ahead segments ready ahead of the insert position ($((($(date +%s%N) - t0) / 1000000)) ms)"
fi
if [[ "${BENCH_PG_STATEMENTS:-0}" == 1 ]]; then
    psql -X -q -v ON_ERROR_STOP=1 -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null
    # Statements inside functions and triggers too, and the time spent planning each one
    # (a statement replanned on every call shows a plan_ms close to or above its exec_ms).
    psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "ALTER SYSTEM SET pg_stat_statements.track = 'all'" \
        -c "ALTER SYSTEM SET pg_stat_statements.track_planning = on" -c "SELECT pg_reload_conf()" >/dev/null
fi

# --- the services --------------------------------------------------------------------------
export JIUYE_HTTP_ADDR=127.0.0.1 JIUYE_POLICY_DIR=$ROOT/ops/policy
# Every event of the stream is dated 2024; no durable timer (R08's anniversaries) falls due.
export JIUYE_TODAY=2024-12-31
export INTAKE_HTTP_PORT=${HTTP[intake]} RULES_HTTP_PORT=${HTTP[rules]}
export SUBSIDY_HTTP_PORT=${HTTP[subsidy]} NOTIFY_HTTP_PORT=${HTTP[notify]}
export INTAKE_ZMQ=tcp://127.0.0.1:$((16550 + OFF)) RULES_ZMQ=tcp://127.0.0.1:$((16551 + OFF))
export SUBSIDY_ZMQ=tcp://127.0.0.1:$((16552 + OFF)) NOTIFY_ZMQ=tcp://127.0.0.1:$((16553 + OFF))
links=plain
if [[ "$CURVE" == 1 ]] && keys=$("$BIN/jiuyectl" keygen intake rules subsidy notify 2>/dev/null); then
    set -a
    eval "$keys"
    set +a
    links=CURVE
fi

for svc in "${SERVICES[@]}"; do
    port=${HTTP[$svc]}
    if healthy "$port"; then
        echo "bench: port $port already answers /healthz (another run?); set JIUYE_BENCH_PORT_OFFSET"
        exit 1
    fi
    "$BIN/jiuye-$svc" >"$tmp/logs/$svc.log" 2>&1 &
    PID[$svc]=$!
    up=0
    for ((i = 0; i < 150; i++)); do # 30 s
        if healthy "$port"; then up=1; break; fi
        alive "${PID[$svc]}" || break
        sleep 0.2
    done
    if ((!up)); then
        echo "bench: $svc did not come up on :$port; last lines of its log:"
        tail -20 "$tmp/logs/$svc.log" | sed 's/^/  | /'
        exit 1
    fi
done
export JIUYE_BENCH_PIDS="intake=${PID[intake]} rules=${PID[rules]} subsidy=${PID[subsidy]} notify=${PID[notify]}"

# --- scenarios ----------------------------------------------------------------------------
summaries=()
scenarios=0
declare -A RESENT=()
run_bench() {
    local name=$1 rc=0
    shift
    scenarios=$((scenarios + 1))
    local timeline=()
    [[ "${BENCH_TIMELINE:-0}" != 1 ]] || timeline=(--timeline)
    [[ "${BENCH_PG_STATEMENTS:-0}" != 1 ]] || psql -X -q -c "SELECT pg_stat_statements_reset()" >/dev/null
    if "$BENCH" --name "$name" "$@" "${timeline[@]}" 2>&1 | tee "$tmp/logs/bench-$name.log"; then rc=0; else rc=${PIPESTATUS[0]}; fi
    if [[ "${BENCH_PG_STATEMENTS:-0}" == 1 ]]; then # this scenario's statements, kept for the end
        psql -X -P pager=off -c "SELECT u.rolname AS role, calls, plans, round(total_exec_time::numeric, 0) AS total_ms,
                round(total_plan_time::numeric, 0) AS plan_ms, round(mean_exec_time::numeric, 3) AS mean_ms, rows,
                left(regexp_replace(query, '\s+', ' ', 'g'), 90) AS query
            FROM pg_stat_statements s JOIN pg_roles u ON u.oid = s.userid
            WHERE u.rolname LIKE 'jiuye%' ORDER BY total_exec_time + total_plan_time DESC LIMIT ${BENCH_PG_STATEMENTS_TOP:-15}" \
            >"$tmp/logs/statements-$name.log" 2>&1 || true
    fi
    local line
    line=$(grep -m1 '^SUMMARY ' "$tmp/logs/bench-$name.log" || true)
    [[ -z "$line" ]] || summaries+=("$line")
    if ((rc != 0)) || [[ -z "$line" ]]; then
        echo "bench: scenario $name failed (status $rc)"
        failed=1
    fi
    # Messages a producer sent again for want of an Ack within JIUYE_ACK_TIMEOUT_MS (link.c logs
    # the first re-send of each message): under load they are duplicates the consumer must skip.
    local resends=() n
    for svc in intake rules subsidy; do
        n=$(grep -c 'sending again' "$tmp/logs/$svc.log" || true)
        resends+=("$svc $((n - ${RESENT[$svc]:-0}))")
        RESENT[$svc]=$n
    done
    local joined
    joined=$(IFS=,; echo "${resends[*]}")
    echo "   re-sent for want of an ack (first re-sends logged): ${joined//,/, }"
    [[ -z "$line" ]] || summaries[-1]+=" resent_intake=${resends[0]#* } resent_rules=${resends[1]#* } resent_subsidy=${resends[2]#* }"
    for svc in "${SERVICES[@]}"; do
        if ! alive "${PID[$svc]}"; then
            echo "bench: $svc died during $name; last lines of its log:"
            tail -20 "$tmp/logs/$svc.log" | sed 's/^/  | /'
            unset "PID[$svc]"
            exit 1
        fi
    done
}

# BENCH_SETTLE=1: before a fixed-rate scenario, VACUUM ANALYZE the database (the work
# autovacuum would otherwise start on within a minute, on the tables the scenario before
# filled, which the timeline shows as a stall of every stage), so that the scenario measures
# the steady state at its rate.
settle() {
    [[ "${BENCH_SETTLE:-0}" == 1 ]] || return 0
    local t0=$SECONDS
    psql -X -q -c "VACUUM (ANALYZE)" >/dev/null 2>&1 || echo "   settle: VACUUM failed"
    echo "   settled: VACUUM (ANALYZE) took $((SECONDS - t0)) s"
}

started=$(date -u +%s)
echo "bench: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo), $(date -u '+%Y-%m-%d %H:%M UTC'); $EVENTS events per scenario; internal links $links; JIUYE_TODAY=$JIUYE_TODAY"
# The host's page-cache writeback decides the latency tail at a fixed rate (docs/performance.md,
# docs/operations.md "PostgreSQL settings"): the figures are read with these.
writeback() {
    local bytes ratio expire
    bytes=$(cat /proc/sys/vm/dirty_background_bytes 2>/dev/null || echo ?)
    ratio=$(cat /proc/sys/vm/dirty_background_ratio 2>/dev/null || echo ?)
    expire=$(cat /proc/sys/vm/dirty_expire_centisecs 2>/dev/null || echo ?)
    if [[ "$bytes" =~ ^[1-9][0-9]*$ ]]; then
        echo "vm.dirty_background_bytes=$((bytes / 1048576)) MiB, vm.dirty_expire_centisecs=$expire"
    else
        echo "vm.dirty_background_ratio=$ratio %, vm.dirty_expire_centisecs=$expire"
    fi
}
echo "bench: host writeback $(writeback)"
if [[ -n "${BENCH_CUSTOM:-}" ]]; then
    # For exploring: BENCH_CUSTOM="--zmq --rate 500 --batch 10 --timeline" runs only that.
    # shellcheck disable=SC2086 # word splitting wanted
    run_bench custom --events "$EVENTS" $BENCH_CUSTOM
else
    run_bench http-max --http --events "$EVENTS" --batch 100 --window 4
    run_bench http-intake --http --events "$EVENTS" --batch 100 --window 4 --intake-alone
    run_bench zmq-max --zmq --events "$EVENTS" --batch 1000 --window 4 --ceiling
    settle
    run_bench zmq-1000 --zmq --events "$EVENTS" --batch 100 --window 4 --rate 1000
    settle
    run_bench zmq-1000-b10 --zmq --events "$EVENTS" --batch 10 --window 16 --rate 1000
fi
if [[ "$LONG" == 1 ]]; then
    run_bench memory --zmq --duration "$LONG_S" --rate "$LONG_RATE" --batch 10 --window 16
fi

# --- the table ------------------------------------------------------------------------------
echo
echo "== jiuye bench: $(nproc) cores, $(date -u '+%Y-%m-%d'), links $links, synchronous_commit on, $(($(date -u +%s) - started)) s; $(writeback)"
printf '%s\n' "${summaries[@]}" | awk '
function v(k,   i, kv) { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) return kv[2] } return "" }
BEGIN {
    printf "%-12s %-5s %5s %5s %8s %11s %9s %9s %9s %9s %7s\n", "scenario", "path", "batch", "rate", "events",
           "intake ev/s", "e2e ev/s", "p50 ms", "p99 ms", "max ms", "resent"
}
{
    rate = v("rate") == 0 ? "max" : v("rate")
    alone = v("alone") == 1 # the stages after intake were stopped while it published: no end-to-end figures
    printf "%-12s %-5s %5s %5s %8s %11s %9s %9s %9s %9s %7s\n", v("name"), v("transport"), v("batch"), rate,
           v("processed"), v("intake_eps"), alone ? "-" : v("e2e_eps"), alone ? "-" : v("r01_p50_ms"),
           alone ? "-" : v("r01_p99_ms"), alone ? "-" : v("r01_max_ms"), v("resent_intake") + v("resent_rules") + v("resent_subsidy")
    if (alone) paused = paused " " v("name")
    if (v("ceiling_eps") != "") {
        ceil = v("ceiling_eps"); ratio = v("ratio"); wpe = v("writes_per_event"); cname = v("name"); ce2e = v("e2e_eps")
        same = v("same_rows_eps"); same_ratio = v("same_rows_ratio")
    }
    for (i = 2; i <= NF; i++) if ($i ~ /^hwm_/) { split($i, kv, "="); sub(/^hwm_/, "", kv[1]); sub(/_mib$/, "", kv[1]); hwm[kv[1]] = kv[2] }
    if (v("name") == "memory") {
        mem = sprintf("memory run (%s events at %s/s): resident memory at its start -> end:", v("processed"), v("rate"))
        n = split("intake rules subsidy notify", s, " ")
        for (i = 1; i <= n; i++) mem = mem sprintf(" %s %s -> %s MiB", s[i], v("rss0_" s[i] "_mib"), v("rss_" s[i] "_mib"))
    }
}
END {
    print "(e2e: first acknowledgement to last commit in rules/notify; latency: acknowledgement by intake ->"
    print " notification committed, training.completed events (R01); resent: messages sent again for want of an ack)"
    if (paused != "")
        print "(" substr(paused, 2) ": rules, subsidy and notify stopped while intake was publishing: intake ev/s is intake'"'"'s own)"
    if (ceil != "")
        printf "ceiling: plain INSERT of 1000 rows per commit into a copy of intake.events: %s rows/s; %s e2e %s ev/s = %s of it; the pipeline writes %s rows per event\n", ceil, cname, ce2e, ratio, wpe
    if (same != "")
        printf "ceiling, the same rows: what the pipeline wrote in %s, copied by COPY of 1000 rows per commit: %s events/s; %s e2e %s ev/s = %s of it\n", cname, same, cname, ce2e, same_ratio
    printf "peak resident memory (VmHWM):"
    n = split("intake rules subsidy notify", s, " ")
    for (i = 1; i <= n; i++) printf " %s %s MiB", s[i], hwm[s[i]]
    printf "\n"
    if (mem != "") print mem " (per minute: the \"rss at\" lines above)"
}'

if [[ "${BENCH_PG_STATEMENTS:-0}" == 1 ]]; then
    echo
    for f in "$tmp"/logs/statements-*.log; do
        n=${f##*/statements-}
        echo "== statements by total time (pg_stat_statements), scenario ${n%.log}"
        cat "$f"
    done
fi

stop_services
if ((failed)); then
    echo "bench: FAILED (see above; JIUYE_KEEP_TMP=1 keeps the logs)"
    exit 1
fi
echo "bench summary: $scenarios scenarios, $EVENTS events each, every event processed end to end$( [[ "$SMOKE" == 1 ]] && echo ' (smoke)')"
