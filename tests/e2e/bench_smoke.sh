#!/usr/bin/env bash
# The benchmark's smoke run (docs/performance.md): `make bench-smoke` builds the optimized suite and
# build/bench/jiuye_bench, starts a PostgreSQL and the four services of its own and pushes
# 500 events through each scenario (HTTP, HTTP to intake alone, ZeroMQ as fast as possible,
# ZeroMQ at 1 000/s),
# then stops everything. The bench does not use the harness's cluster or services, only
# ports derived from the harness's (JIUYE_TEST_PGPORT + 1000, JIUYE_TEST_PORT_OFFSET + 100),
# so that parallel runs on one machine stay apart.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
N=500
export JIUYE_BENCH_PGPORT=${JIUYE_BENCH_PGPORT:-$((${JIUYE_TEST_PGPORT:-25432} + 1000))}
export JIUYE_BENCH_PORT_OFFSET=${JIUYE_BENCH_PORT_OFFSET:-$((${JIUYE_TEST_PORT_OFFSET:-0} + 100))}
log=${JIUYE_TEST_TMP:-/tmp}/bench-smoke.$$.log
rc=0
# make test's sanitizer settings are not the bench's business.
env -u ASAN_OPTIONS -u UBSAN_OPTIONS timeout -k 10 600 make -s --no-print-directory bench-smoke >"$log" 2>&1 || rc=$?
summary=$(grep -E "^bench summary: [0-9]+ scenarios, $N events each, every event processed end to end" "$log" || true)
if ((rc == 0)) && [[ -n "$summary" ]]; then
    echo "ok - bench smoke: $N events end to end ($(grep -c '^SUMMARY ' "$log") scenarios)"
    # The ceiling of the same rows wrote as many rows as the pipeline did (pg_stat_user_tables).
    same=$(grep -E '^SUMMARY name=zmq-max ' "$log" | grep -oE 'pipeline_writes=[0-9]+ same_rows_writes=[0-9]+' || true)
    pipeline=${same#pipeline_writes=}; pipeline=${pipeline%% *}; copied=${same##*same_rows_writes=}
    if [[ -n "$same" ]] && ((pipeline > N && copied == pipeline)); then
        echo "ok - bench smoke: the same-rows ceiling wrote the $copied rows the pipeline wrote"
    else
        echo "not ok - bench smoke: the same-rows ceiling wrote the rows the pipeline wrote (${same:-no figures})"
        rc=1
    fi
    # intake alone: rules, subsidy and notify stopped while it published took nothing, and went on after.
    alone=$(grep -E '^SUMMARY name=http-intake ' "$log" | grep -oE 'alone=1 .* taken_while_stopped=[0-9]+' || true)
    if [[ -n "$alone" && "${alone##*taken_while_stopped=}" == 0 ]]; then
        echo "ok - bench smoke: http-intake stopped the stages after intake while it published (they took nothing)"
    else
        echo "not ok - bench smoke: http-intake stopped the stages after intake while it published (${alone:-no figures})"
        rc=1
    fi
    # The WAL segments a running server has were ready before the scenarios (BENCH_WAL_WARM).
    warm=$(grep -oE '^bench: WAL warmed: [0-9]+ segments ready' "$log" | grep -oE '[0-9]+' || true)
    if [[ -n "$warm" ]] && ((warm >= 32)); then
        echo "ok - bench smoke: $warm WAL segments ready ahead of the insert position before the scenarios"
    else
        echo "not ok - bench smoke: WAL segments ready before the scenarios (${warm:-no line})"
        rc=1
    fi
    # The table, for the log.
    sed -n '/^== jiuye bench/,$p' "$log" | sed 's/^/# /'
else
    echo "not ok - bench smoke: $N events end to end"
    echo "# make bench-smoke exited $rc; last lines:"
    tail -40 "$log" | sed 's/^/#   /'
fi
rm -f "$log"
((rc == 0)) && [[ -n "$summary" ]]
