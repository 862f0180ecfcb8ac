#!/usr/bin/env bash
# tests/run.sh [PATTERN]: run the test suites against a private PostgreSQL cluster
# (what `make test` calls after building the sanitized binaries into build/san).
#
#   unit         build/san/tests/{,integration/}test_*   cmocka binaries (integration ones use the cluster); their PASSED/FAILED counts
#   integration  tests/integration/*.sh   TAP-like "ok - NAME" / "not ok - NAME" lines
#   e2e          tests/e2e/*.sh           same
#   compose      docker-compose config -q one test, "compose config"; tests/compose/*.sh
#                (compose_e2e.sh: the compose deployment built and run with podman), like e2e
#
# PATTERN (an extended regex) selects test files by name, e.g. `tests/run.sh harness`
# or `tests/run.sh 'test_money|intake'`. Each file's output goes to a log that is shown
# (last 50 lines) only when it fails. The last line is always "N passed, N failed";
# the exit status is 1 if anything failed or nothing ran.
# Env: JIUYE_TEST_PGPORT (25432), JIUYE_TEST_PORT_OFFSET added to every service port (0),
#      TMPDIR (/tmp) where the scratch dir goes, JIUYE_TEST_TIMEOUT per file in s (900), JIUYE_SHOW_LOG=1 prints the "# ..." lines of passing tests,
#      JIUYE_KEEP_TMP=1 keeps the scratch dir (logs, cluster) for a post-mortem.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
PATTERN=${1:-}
TIMEOUT=${JIUYE_TEST_TIMEOUT:-900}

passed=0
failed=0

# A fresh dir owned by postgres: the cluster must be reachable by that user even
# when the checkout is not (CI clones into a root-only directory).
tmp=$(mktemp -d "${TMPDIR:-/tmp}/jiuye-test.XXXXXX")
chown postgres:postgres "$tmp"
chmod 755 "$tmp"
mkdir -p "$tmp/logs"

export JIUYE_PGDATA=$tmp/pg
# Fixed ports sit below Linux's ephemeral range (32768-60999): a port in it can be taken by
# any client connection of a test at the moment a server wants to bind it (CI once saw
# the bench smoke's PostgreSQL refused its port that way).
export JIUYE_PGPORT=${JIUYE_TEST_PGPORT:-25432}

summary_printed=0
# shellcheck disable=SC2317 # reached through the EXIT trap
finish() {
    local rc=$?
    trap - EXIT INT TERM
    # Quietly: nothing may follow the summary line.
    kill_leftovers >/dev/null 2>&1 || true
    ops/pg-local.sh stop >/dev/null 2>&1 || true
    # A second cluster a test started (backup_restore.sh) and could not stop itself (killed).
    local d
    for d in "$tmp"/*/postmaster.pid; do
        [[ -f "$d" ]] || continue
        JIUYE_PGDATA=${d%/postmaster.pid} ops/pg-local.sh stop >/dev/null 2>&1 || true
    done
    [[ "${JIUYE_KEEP_TMP:-0}" == 1 ]] || rm -rf "$tmp"
    # Interrupted or broken harness: still end with the summary line, as a failure.
    if ((!summary_printed)); then
        ((rc == 0)) || failed=$((failed + 1))
        echo "$passed passed, $failed failed"
        rc=1
    fi
    exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Services a test script started and failed to stop (it was killed by the timeout,
# say) must not hold the test ports for the next one. Only our own binaries are
# killed: a recorded pid whose executable is under $JIUYE_BIN.
kill_leftovers() {
    local f=$tmp/svc.pids pid exe
    [[ -f "$f" ]] || return 0
    while read -r pid; do
        exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || continue
        [[ "$exe" == "${JIUYE_BIN:-/nonexistent}"/* ]] || continue
        echo "  (killing leftover $(basename "$exe") pid $pid)"
        kill -KILL "$pid" 2>/dev/null || true
    done <"$f"
    rm -f "$f"
}

if ! ops/pg-local.sh start >"$tmp/logs/pg-start.log" 2>&1; then
    echo "test cluster did not start:"
    cat "$tmp/logs/pg-start.log"
    exit 1
fi
eval "$(ops/pg-local.sh env)"
if ! ops/migrate.sh >"$tmp/logs/migrate.log" 2>&1; then
    echo "migrations failed:"
    cat "$tmp/logs/migrate.log"
    exit 1
fi

export JIUYE_BIN=$ROOT/build/san/bin
export JIUYE_TEST_TMP=$tmp
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# cmocka's plain format is what we parse, whatever the caller's environment says.
export CMOCKA_MESSAGE_OUTPUT=stdout
# JIUYE_TEST_PORT_OFFSET moves every test port, so two runs can share a machine.
off=${JIUYE_TEST_PORT_OFFSET:-0}
export INTAKE_HTTP_PORT=$((18080 + off)) RULES_HTTP_PORT=$((18081 + off))
export SUBSIDY_HTTP_PORT=$((18082 + off)) NOTIFY_HTTP_PORT=$((18083 + off))
export INTAKE_ZMQ=tcp://127.0.0.1:$((15550 + off)) RULES_ZMQ=tcp://127.0.0.1:$((15551 + off))
export SUBSIDY_ZMQ=tcp://127.0.0.1:$((15552 + off)) NOTIFY_ZMQ=tcp://127.0.0.1:$((15553 + off))
export JIUYE_TEST_LINK_ENDPOINT=tcp://127.0.0.1:$((15599 + off))
# Every link runs under CURVE in the tests, as in production: a key pair per service.
if [[ -z "${RULES_CURVE_SECRET:-}" && -x "$ROOT/build/san/bin/jiuyectl" ]]; then
    set -a
    eval "$("$ROOT/build/san/bin/jiuyectl" keygen intake rules subsidy notify)"
    set +a
fi

selected() { [[ -z "$PATTERN" || "$1" =~ $PATTERN ]]; }

# A unique log per test file (integration/x.sh and e2e/x.sh may share a name).
log_for() {
    local log=$tmp/logs/$1.log n=2
    while [[ -e "$log" ]]; do log=$tmp/logs/$1.$((n++)).log; done
    echo "$log"
}

# report NAME KIND P F LOG [NOTE]: one line per file; the log's tail on failure.
report() {
    local name=$1 kind=$2 p=$3 f=$4 log=$5 note=${6:-}
    passed=$((passed + p))
    failed=$((failed + f))
    if ((f == 0)); then
        printf 'PASS  %-12s %-40s %d passed\n' "$kind" "$name" "$p"
        # JIUYE_SHOW_LOG=1 (make chaos): the comments a test printed, e.g. what it compared.
        if [[ "${JIUYE_SHOW_LOG:-0}" == 1 ]]; then grep '^#' "$log" | sed 's/^/  | /' || true; fi
    else
        printf 'FAIL  %-12s %-40s %d passed, %d failed%s\n' "$kind" "$name" "$p" "$f" "${note:+ ($note)}"
        # A sanitizer report's first lines (what and where) matter more than its
        # closing shadow-byte legend: show 50 lines from its start instead of the tail.
        # (Scripts: their "not ok" lines already carry the details, so plain tail.)
        local san='ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:'
        if [[ "$kind" == unit ]] && grep -qE "$san" "$log"; then
            echo "----- sanitizer report in $name ($log) -----"
            grep -m1 -A49 -E "$san" "$log" | sed 's/^/  | /'
        else
            echo "----- last 50 lines of $name ($log) -----"
            tail -50 "$log" | sed 's/^/  | /'
        fi
        echo "-----"
    fi
}

run_unit() {
    local bin=$1 name log rc=0 p f note=
    name=$(basename "$bin")
    log=$(log_for "$name")
    timeout -k 10 "$TIMEOUT" "$bin" >"$log" 2>&1 </dev/null || rc=$?
    # Sum over groups: a binary may run several cmocka groups, each with its summary.
    p=$(sed -nE 's/^\[  PASSED  \] ([0-9]+) test\(s\)\..*/\1/p' "$log" | awk '{s += $1} END {print s + 0}')
    f=$(sed -nE 's/^\[  FAILED  \] ([0-9]+) test\(s\).*/\1/p' "$log" | awk '{s += $1} END {print s + 0}')
    local have_failed_count=0
    grep -qE '^\[  FAILED  \] [0-9]+ test\(s\)' "$log" && have_failed_count=1
    if ((rc != 0 && (have_failed_count == 0 || f == 0))); then
        # Crash, sanitizer abort, leak report at exit, timeout: one failure for the binary.
        f=$((f + 1))
        note="exit status $rc"
        ((rc != 124)) || note="timed out after ${TIMEOUT}s"
    elif ((rc == 0 && p == 0 && f == 0)); then
        f=1
        note="no cmocka summary in its output"
    fi
    report "$name" unit "$p" "$f" "$log" "$note"
}

run_script() {
    local script=$1 kind=$2 name log rc=0 p f note=
    name=$(basename "$script" .sh)
    log=$(log_for "$name")
    timeout -k 30 "$TIMEOUT" bash "$script" >"$log" 2>&1 </dev/null || rc=$?
    kill_leftovers >>"$log"
    p=$(grep -cE '^ok( [0-9]+)? - ' "$log" || true)
    f=$(grep -cE '^not ok( [0-9]+)? - ' "$log" || true)
    if ((rc != 0 && f == 0)); then
        f=1
        note="exit status $rc without a \"not ok\" line"
        ((rc != 124)) || note="timed out after ${TIMEOUT}s"
    elif ((rc == 0 && p == 0 && f == 0)); then
        f=1
        note="no ok/not ok lines"
    fi
    report "$name" "$kind" "$p" "$f" "$log" "$note"
}

run_compose() {
    local log rc=0 p=0 f=0
    log=$(log_for compose)
    # As shipped, and with every setting of the example env file (what an operator's .env
    # starts from); the secret files need not exist for the file to be valid.
    docker-compose -f docker-compose.yml config -q >"$log" 2>&1 || rc=$?
    if ((rc == 0)); then p=$((p + 1)); else f=$((f + 1)); fi
    rc=0
    docker-compose --env-file ops/compose/env.example -f docker-compose.yml config -q >>"$log" 2>&1 || rc=$?
    if ((rc == 0)); then p=$((p + 1)); else f=$((f + 1)); fi
    report "compose config" compose "$p" "$f" "$log" "$( ((f == 0)) || echo "docker-compose config failed")"
}

shopt -s nullglob
ran=0

for bin in "$ROOT"/build/san/tests/test_* "$ROOT"/build/san/tests/integration/test_*; do
    [[ -f "$bin" && -x "$bin" ]] || continue
    selected "$(basename "$bin")" || continue
    run_unit "$bin"
    ran=$((ran + 1))
done

for kind in integration e2e compose; do
    for script in tests/"$kind"/*.sh; do
        selected "$(basename "$script")" || continue
        run_script "$script" "$kind"
        ran=$((ran + 1))
    done
done

if selected docker-compose.yml; then
    run_compose
    ran=$((ran + 1))
fi

if ((ran == 0)); then
    echo "no test matches '${PATTERN}'"
fi
[[ "${JIUYE_KEEP_TMP:-0}" != 1 ]] || echo "keeping $tmp (JIUYE_KEEP_TMP=1; its cluster is stopped, JIUYE_PGDATA=$tmp/pg ops/pg-local.sh start restarts it)"
summary_printed=1
echo "$passed passed, $failed failed"
if ((failed > 0 || passed == 0)); then exit 1; fi
exit 0
