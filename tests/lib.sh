# shellcheck shell=bash
# tests/lib.sh: helpers for the shell integration and end-to-end tests.
#
# Sourced by tests/integration/*.sh and tests/e2e/*.sh, which tests/run.sh runs with
# the environment it sets up: a private PostgreSQL (JIUYE_DB, PG*), the sanitized
# binaries (JIUYE_BIN), a scratch dir (JIUYE_TEST_TMP) and the test ports.
# A script prints TAP-like lines, "ok - NAME" / "not ok - NAME" (details as "# ..."),
# which run.sh counts. Skeleton:
#
#   source "$(dirname "$0")/../lib.sh"
#   lib_init                      # EXIT trap stops every service started here
#   db_reset
#   svc_start intake || lib_finish
#   check_eq "one source" 1 "$(sql "SELECT count(*) FROM intake.sources")"
#   lib_finish                    # exit 1 if anything was "not ok"
#
# ok/not_ok/check/check_eq record a result and return 0, so a failed check does not
# end a script running under `set -e`; svc_start returns 1 (after a "not ok") when the
# service does not come up, since nothing after it can work.
# Stopping a service also checks it: a service that ignores SIGTERM for 10 s, exits
# nonzero, or left a sanitizer report in its log is a "not ok".
# Do not install another EXIT trap after lib_init (it would replace the cleanup);
# register extra cleanup with lib_at_exit instead.

LIB_PASS=0
LIB_FAIL=0
declare -A LIB_PID=()  # NAME -> pid of the running instance
declare -A LIB_LOG=()  # NAME -> log of the latest instance
declare -A LIB_RUNS=() # NAME -> instances started so far (numbers the logs)
LIB_AT_EXIT=()         # commands run at exit, after the services are stopped

lib_init() {
    local v
    for v in JIUYE_BIN JIUYE_TEST_TMP JIUYE_DB PGHOST PGPORT; do
        if [[ -z "${!v:-}" ]]; then
            echo "lib.sh: $v is not set; run this through tests/run.sh $(basename "$0" .sh)" >&2
            exit 2
        fi
    done
    mkdir -p "$JIUYE_TEST_TMP/logs"
    trap _lib_on_exit EXIT
    # Signals (run.sh's timeout, Ctrl-C) end the script through exit, so the
    # EXIT trap still stops what we started.
    trap 'exit 143' TERM
    trap 'exit 130' INT
}

_lib_on_exit() {
    local rc=$?
    trap - EXIT
    svc_stop_all
    lib_collect_published
    local cmd
    for cmd in "${LIB_AT_EXIT[@]}"; do eval "$cmd" || rc=1; done
    if ((LIB_FAIL > 0 && rc == 0)); then rc=1; fi
    exit "$rc"
}

# lib_at_exit 'CMD ...': run CMD (a string, eval'd) when the script exits, however it
# exits, after every service is stopped; in the order registered. A failing CMD makes
# the exit status nonzero.
lib_at_exit() { LIB_AT_EXIT+=("$1"); }

# --- results ---------------------------------------------------------------

ok() {
    LIB_PASS=$((LIB_PASS + 1))
    echo "ok - $1"
}

# not_ok NAME [DETAIL]: DETAIL (may be several lines) is printed as "# " comments.
not_ok() {
    LIB_FAIL=$((LIB_FAIL + 1))
    echo "not ok - $1"
    if [[ -n "${2:-}" ]]; then
        sed 's/^/#   /' <<<"$2"
    fi
    return 0
}

check_eq() {
    local name=$1 expected=$2 actual=$3
    if [[ "$expected" == "$actual" ]]; then
        ok "$name"
    else
        not_ok "$name" "expected: $expected"$'\n'"actual:   $actual"
    fi
}

# check NAME CMD...: ok if CMD exits 0; otherwise not ok with its output.
check() {
    local name=$1 out rc=0
    shift
    out=$("$@" 2>&1) || rc=$?
    if ((rc == 0)); then
        ok "$name"
    else
        not_ok "$name" "command failed (status $rc): $*"$'\n'"$(head -20 <<<"$out")"
    fi
}

# lib_finish: stop the services (their checks count too), then exit 1 if anything failed.
lib_finish() {
    svc_stop_all
    echo "# $(basename "$0"): $LIB_PASS ok, $LIB_FAIL not ok"
    if ((LIB_FAIL > 0)); then exit 1; fi
    exit 0
}

# wait_until SECONDS CMD...: run CMD every 0.2 s until it succeeds (return 0) or
# SECONDS have passed (return 1). CMD's output is discarded.
wait_until() {
    local secs=$1
    shift
    local deadline now
    deadline=$(awk -v t="$EPOCHREALTIME" -v s="$secs" 'BEGIN { printf "%.3f", t + s }')
    while :; do
        if "$@" >/dev/null 2>&1; then return 0; fi
        now=$EPOCHREALTIME
        if awk -v n="$now" -v d="$deadline" 'BEGIN { exit !(n >= d) }'; then return 1; fi
        sleep 0.2
    done
}

# --- database --------------------------------------------------------------

# sql "SQL" [...]: run statements as postgres on the test database; prints rows
# unaligned, one per line, fields separated by "|". Fails on the first error.
sql() {
    local args=() s
    for s in "$@"; do args+=(-c "$s"); done
    psql -X -tAq -v ON_ERROR_STOP=1 -U postgres "${args[@]}"
}

# Conditions for wait_until, re-evaluated on every poll (a "$(sql ...)" argument
# would be expanded once, before the wait starts):
#   wait_until 20 sql_is "SELECT count(*) FROM ..." 3
#   wait_until 20 output_is pending outcome ev-1/R01      (any command's output)
sql_is() { [[ "$(sql "$1")" == "$2" ]]; }
sql_ge() { local v; v=$(sql "$1") && [[ "$v" =~ ^[0-9]+$ ]] && ((v >= $2)); }
output_is() { local want=$1; shift; [[ "$("$@")" == "$want" ]]; }
output_nonempty() { [[ -n "$("$@")" ]]; }

# lib_collect_published: append to $JIUYE_TEST_TMP/published/ the names and cert_nos of
# the persons in intake.events (names, ids) and the text of notify.notifications
# (notifications.txt). db_reset calls it before it empties the tables and every script when
# it exits, so tests/e2e/zz_privacy_scan.sh, which runs last, knows every person the run
# published and every notification it made, whichever test made them. Quiet, and never a
# failure: a script whose database is gone has nothing to add.
lib_collect_published() {
    local dir=$JIUYE_TEST_TMP/published
    mkdir -p "$dir"
    {
        # A script whose names are not names (injection payloads it also writes into every
        # other text field) sets LIB_COLLECT_NAMES=0: its cert_nos are still collected.
        [[ "${LIB_COLLECT_NAMES:-1}" == 0 ]] ||
            sql "SELECT DISTINCT body->'payload'->>'name' FROM intake.events
                  WHERE type = 'person.registered' AND body->'payload'->>'name' IS NOT NULL" >>"$dir/names"
        sql "SELECT body->'payload'->>'cert_no' FROM intake.events WHERE body->'payload' ? 'cert_no'
             UNION SELECT s->>'cert_no' FROM intake.events, jsonb_array_elements(body->'payload'->'disabled_staff') s
              WHERE jsonb_typeof(body->'payload'->'disabled_staff') = 'array'" >>"$dir/ids"
        # Not those of an event whose own id holds an identity number: the text quotes the
        # upstream's event id as given, and notify refuses to deliver it (notify_webhooks.sh).
        sql "SELECT title || ' ' || body FROM notify.notifications WHERE event_id !~ '[0-9]{17}'" >>"$dir/notifications.txt"
    } 2>/dev/null
    return 0
}

# db_reset: empty every table of the four service schemas (sequences restart);
# public.schema_migrations is kept, so the services still accept the schema.
db_reset() {
    lib_collect_published
    local tables
    tables=$(sql "SELECT string_agg(format('%I.%I', schemaname, tablename), ', ' ORDER BY 1)
                    FROM pg_tables WHERE schemaname IN ('intake', 'rules', 'subsidy', 'notify')")
    if [[ -n "$tables" ]]; then
        sql "TRUNCATE $tables RESTART IDENTITY CASCADE" >/dev/null
    fi
    rm -rf "$JIUYE_TEST_TMP/tokens" # staff tokens went with notify.staff
}

# --- tokens (every route but /healthz, /readyz and the public ones needs one) ---

# token_for ROLE [DISTRICT DEPARTMENT]: a token of ROLE (operator, auditor, metrics, or
# staff of DISTRICT (320706) and DEPARTMENT (hrss)), made with jiuyectl the first time
# it is asked for and kept in $JIUYE_TEST_TMP/tokens/ until db_reset (which empties
# notify.staff). Prints the token; returns 1 (with jiuyectl's message) if it cannot.
token_for() {
    local role=$1 district=${2:-320706} dept=${3:-hrss}
    local dir=$JIUYE_TEST_TMP/tokens key out
    key=$role
    [[ "$role" != staff ]] || key=staff-$district-$dept
    if [[ ! -s "$dir/$key" ]]; then
        mkdir -p "$dir"
        if [[ "$role" == staff ]]; then
            out=$("$JIUYE_BIN/jiuyectl" staff add "t-$key-$RANDOM$RANDOM" --district "$district" --department "$dept") || return 1
        else
            out=$("$JIUYE_BIN/jiuyectl" "$role" add "t-$key-$RANDOM$RANDOM") || return 1
        fi
        echo "$out" >"$dir/$key"
    fi
    cat "$dir/$key"
}

# api CURL-ARGS...: curl with an operator's bearer token (token_for operator), for
# tests of what a route does rather than of who may call it. Exported, so that
# `wait_until 5 bash -c "api ... | grep -q x"` works too.
api() {
    local t
    t=$(token_for operator) || return 1
    curl -H "Authorization: Bearer $t" "$@"
}
export -f api token_for

# --- services --------------------------------------------------------------

# The HTTP port of service NAME, from the environment run.sh sets.
svc_port() {
    local var=${1^^}_HTTP_PORT
    local -A def=([intake]=8080 [rules]=8081 [subsidy]=8082 [notify]=8083)
    echo "${!var:-${def[$1]:-}}"
}

svc_healthy() {
    curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$(svc_port "$1")/healthz"
}

svc_pid() { echo "${LIB_PID[$1]:-}"; }
svc_log() { echo "${LIB_LOG[$1]:-}"; }

_lib_alive() {
    [[ -e /proc/$1 ]] && [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) != Z ]]
}

# svc_start NAME [ARGS...]: start $JIUYE_BIN/jiuye-NAME in the background (environment
# overrides: `FOO=1 svc_start rules`), output to $JIUYE_TEST_TMP/logs/NAME.<n>.log,
# and wait up to 20 s for /healthz. Returns 1, after a "not ok", if it does not come up.
svc_start() {
    local name=$1
    shift
    local bin=$JIUYE_BIN/jiuye-$name
    if [[ -n "${LIB_PID[$name]:-}" ]]; then
        not_ok "start $name" "already running (pid ${LIB_PID[$name]}); stop it first"
        return 1
    fi
    if [[ ! -x "$bin" ]]; then
        not_ok "start $name" "$bin is missing"
        return 1
    fi
    local n=$((${LIB_RUNS[$name]:-0} + 1))
    LIB_RUNS[$name]=$n
    local log=$JIUYE_TEST_TMP/logs/$name.$n.log
    LIB_LOG[$name]=$log
    "$bin" "$@" >"$log" 2>&1 &
    local pid=$!
    LIB_PID[$name]=$pid
    # run.sh kills whatever is left of these after the script (belt and braces).
    echo "$pid" >>"$JIUYE_TEST_TMP/svc.pids"
    local i
    for ((i = 0; i < 100; i++)); do # 20 s
        if svc_healthy "$name" 2>/dev/null; then return 0; fi
        if ! _lib_alive "$pid"; then
            local rc=0
            wait "$pid" 2>/dev/null || rc=$?
            unset "LIB_PID[$name]"
            not_ok "start $name" "exited during startup (status $rc); last lines of $log:"$'\n'"$(tail -30 "$log")"
            return 1
        fi
        sleep 0.2
    done
    not_ok "start $name" "no /healthz on port $(svc_port "$name") after 20 s; last lines of $log:"$'\n'"$(tail -30 "$log")"
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    unset "LIB_PID[$name]"
    return 1
}

# svc_kill9 NAME: crash the service (no drain, no exit handlers: a power cut).
svc_kill9() {
    local name=$1 pid=${LIB_PID[$1]:-}
    [[ -n "$pid" ]] || return 0
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    unset "LIB_PID[$name]"
}

# svc_stop NAME: SIGTERM and wait up to 10 s. "not ok" if it had to be killed, exited
# nonzero (under ASan a leak makes the exit status nonzero), or its log holds a
# sanitizer report. Returns 0 (results are recorded, not returned).
svc_stop() {
    local name=$1 pid=${LIB_PID[$1]:-}
    [[ -n "$pid" ]] || return 0
    local log=${LIB_LOG[$name]} tag="$name.${LIB_RUNS[$name]}" i rc=0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        _lib_alive "$pid" || break
        sleep 0.1
    done
    local killed=0
    if _lib_alive "$pid"; then
        kill -KILL "$pid" 2>/dev/null || true
        killed=1
    fi
    wait "$pid" 2>/dev/null || rc=$?
    unset "LIB_PID[$name]"
    local san='ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|UndefinedBehaviorSanitizer'
    if ((killed)); then
        not_ok "$tag stops within 10 s of SIGTERM" "killed; last lines of $log:"$'\n'"$(tail -20 "$log")"
    elif grep -qE "$san" "$log" 2>/dev/null; then
        # One finding, one "not ok": a leak also makes the exit status nonzero.
        not_ok "$tag has no sanitizer report" "exit status $rc; from $log:"$'\n'"$(grep -m1 -A30 -E "$san" "$log")"
    elif ((rc != 0)); then
        not_ok "$tag exits 0 on SIGTERM" "exit status $rc; last lines of $log:"$'\n'"$(tail -30 "$log")"
    fi
    return 0
}

# svc_stop_all: stop every service started here, producers first so messages drain.
svc_stop_all() {
    local name
    for name in intake rules subsidy notify; do svc_stop "$name"; done
    for name in "${!LIB_PID[@]}"; do svc_stop "$name"; done
}

# --- identities (docs/policy.md §1): tests need many valid ones ---------------------

# make_cert_no BASE17 [CATEGORY] [GRADE]: 20-char cert_no = 17 ID digits + GB 11643
# check character + disability category (1-7, default 4) + grade (1-4, default 1).
make_cert_no() {
    local base=$1 cat=${2:-4} grade=${3:-1}
    [[ "$base" =~ ^[0-9]{17}$ ]] || { echo "make_cert_no: base must be 17 digits: $base" >&2; return 1; }
    local -a w=(7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2)
    local checks=10X98765432 sum=0 i
    for ((i = 0; i < 17; i++)); do
        sum=$((sum + ${base:i:1} * w[i]))
    done
    echo "$base${checks:sum % 11:1}$cat$grade"
}

# make_credit_code BASE17: 18-char unified social credit code with its GB 32100 check character.
make_credit_code() {
    local base=$1
    local alphabet=0123456789ABCDEFGHJKLMNPQRTUWXY
    [[ "$base" =~ ^[0-9ABCDEFGHJKLMNPQRTUWXY]{17}$ ]] || { echo "make_credit_code: bad base: $base" >&2; return 1; }
    local -a w=(1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28)
    local sum=0 i prefix
    for ((i = 0; i < 17; i++)); do
        prefix=${alphabet%%"${base:i:1}"*}
        sum=$((sum + ${#prefix} * w[i]))
    done
    echo "$base${alphabet:(31 - sum % 31) % 31:1}"
}
