#!/usr/bin/env bash
# Every door locked: every route of every service (read from the binaries' own
# `--routes`, so a new route is covered without editing this file) called with no
# token, a malformed one, an unknown one, an expired and a revoked one, a token of each
# role, and a staff token of another district. Public routes answer anyone; the rest
# answer 401 (with WWW-Authenticate) to the first five, 403 to a role the rule leaves
# out, and neither ever carries a seeded person's cert_no or name. An allowed call is
# not refused, and every cert_no an answer shows has its access-log row, in the
# caller's name, written before the answer (no row, no answer: the 503 path, by
# revoking the log's INSERT). Also the log's append-only trigger, jiuyectl audit, the
# throttle on guessed tokens (429 + Retry-After, counted in /metrics) and the staff
# scope of decisions, awards and acknowledgements.
. "$(dirname "$0")/../lib.sh"
lib_init
db_reset
export JIUYE_TODAY=2026-01-15
CTL=$JIUYE_BIN/jiuyectl

# --- the seeded persons: one in 海州区 (320706), one in 东海县 (320722) ---
for s in notify subsidy rules intake; do
    JIUYE_AUTH_MAX_FAILURES=100000 svc_start $s || lib_finish
done
SRC=$("$CTL" source add e2e-matrix)
P=$(make_cert_no 32070619900307123 4 3)
Q=$(make_cert_no 32072219800101456 4 3)
NAME_P=张海州
NAME_Q=李东海
PROV=$(make_credit_code 91320706MA1111110)
ev() { printf '{"event_id":"%s","type":"%s","occurred_on":"%s","district":"%s","payload":%s}\n' "$@"; }
reg() { ev "$1" person.registered 2024-01-15 "$2" "{\"cert_no\":\"$3\",\"name\":\"$4\",\"employment_status\":\"employed\",\"wants_job\":false}"; }
train() { ev "$1" training.completed 2024-05-10 "$2" "{\"cert_no\":\"$3\",\"provider_code\":\"$PROV\",\"course\":\"vocational\",\"hours\":60,\"certificate\":\"level4\",\"cost_fen\":180000}"; }
F=$JIUYE_TEST_TMP/matrix.ndjson
{
    reg r-p 320706 "$P" "$NAME_P"
    train t-p 320706 "$P"
    reg r-q 320722 "$Q" "$NAME_Q"
    train t-q 320722 "$Q"
} >"$F"
out=$("$CTL" publish --token "$SRC" "$F")
check_eq "four events accepted" "4 accepted, 0 duplicate, 0 rejected" "$(tail -1 <<<"$out")"
wait_until 30 sql_is "SELECT count(*) FROM subsidy.awards WHERE beneficiary IN ('$P', '$Q')" 2 ||
    not_ok "the two training awards were made" "$(sql "SELECT beneficiary, status FROM subsidy.awards")"
wait_until 30 sql_ge "SELECT count(*) FROM notify.notifications WHERE district = '320706'" 1 || not_ok "a notification in 320706"
NID=$(sql "SELECT min(notification_id) FROM notify.notifications WHERE district = '320706' AND 'cdpf' = ANY(audience)")
[[ -n "$NID" ]] || not_ok "a cdpf notification in 320706 to call the {id} routes with"

# --- the callers ---
declare -A TOK
TOK[operator]=$(token_for operator)
TOK[auditor]=$(token_for auditor)
TOK[metrics]=$(token_for metrics)
TOK[source]=$SRC
TOK[staff]=$("$CTL" staff add hz-matrix --district 320706 --department cdpf)
TOK[staff_other]=$("$CTL" staff add dh-matrix --district 320722 --department cdpf)
TOK[expired]=$("$CTL" operator add op-expired --expires 2099-01-01)
sql "UPDATE access.tokens SET expires_at = now() - interval '1 second' WHERE name = 'op-expired'"
TOK[revoked]=$("$CTL" operator add op-revoked)
check "operator revoke" "$CTL" operator revoke op-revoked
TOK[unknown]=jy_$(printf '%064d' 7)
TOK[malformed]=not-a-token
out=$("$CTL" operator list)
check "operator list: names and state, never a secret" \
    bash -c "grep -Eq '^op-revoked +[0-9T:Z-]+ +revoked ' <<<'$out' && grep -Eq '^op-expired .* expired' <<<'$out' && ! grep -q jy_ <<<'$out'"
out=$("$CTL" operator add op-past --expires 2020-01-01 2>&1) && rc=0 || rc=$?
check_eq "an expiry in the past is refused" "2" "$rc"
# staff expire too (the view reads notify.staff.expires_at)
STAFF_X=$("$CTL" staff add hz-expiring --district 320706 --department cdpf --expires 2099-01-01)
me() { curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $1" "http://127.0.0.1:$NOTIFY_HTTP_PORT/v1/me"; }
check_eq "a staff token before its expiry: 200" 200 "$(me "$STAFF_X")"
sql "UPDATE notify.staff SET expires_at = now() - interval '1 second' WHERE name = 'hz-expiring'"
check_eq "after it: 401" 401 "$(me "$STAFF_X")"
out=$("$CTL" staff add hz-late --district 320706 --department cdpf --expires 2026-01-15 2>&1) && rc=0 || rc=$?
check_eq "staff add --expires today (JIUYE_TODAY) is refused, and nobody added" "2 0" \
    "$rc $(sql "SELECT count(*) FROM notify.staff WHERE name = 'hz-late'")"
for who in operator auditor metrics staff staff_other expired revoked; do
    [[ "${TOK[$who]}" =~ ^jy_[0-9a-f]{64}$ ]] || not_ok "a token for $who" "${TOK[$who]}"
done
declare -A NAME_OF=([staff]=hz-matrix [staff_other]=dh-matrix)
for r in operator auditor; do
    NAME_OF[$r]=$(sql "SELECT name FROM access.tokens WHERE token_sha256 = sha256(convert_to('${TOK[$r]}', 'UTF8'))")
done

# --- one call ---
# call SVC METHOD PATH WHO: the status into $code, the body into $BODY, headers into $HDRS.
BODY=$JIUYE_TEST_TMP/body HDRS=$JIUYE_TEST_TMP/headers
# The arguments that make an allowed call a meaningful one (queries the handlers require).
declare -A QUERY=(
    [/v1/decisions]="?subject=$P" [/v1/awards]="?year=2024" [/v1/kpi]="?year=2024"
    [/v1/vacancies/kpi]="?year=2024" [/v1/console/kpi]="?year=2024"
)
declare -A POSTBODY=([/v1/replay]='{"from":"2024-01-01","to":"2024-01-02","dry_run":true}')
call() {
    local svc=$1 method=$2 path=$3 who=$4 url args=()
    url=${path//\{id\}/$NID}
    url=${url//\{file\}/app.js}
    url="http://127.0.0.1:$(svc_port "$svc")$url${QUERY[$path]:-}"
    [[ "$who" == none ]] || args+=(-H "Authorization: Bearer ${TOK[$who]}")
    if [[ "$method" == POST ]]; then
        if [[ "$path" == /v1/events ]]; then
            args+=(--data-binary "$(train "t-matrix-$RANDOM" 320706 "$P")")
        else
            args+=(--data-binary "${POSTBODY[$path]:-}")
        fi
    fi
    # a stream answers 200 and stays open: two seconds of it are enough
    code=$(curl -s -o "$BODY" -D "$HDRS" -w '%{http_code}' --max-time "$([[ "$path" == */stream ]] && echo 2 || echo 10)" \
        -X "$method" "${args[@]}" "$url")
}
personal() { grep -qE "$P|$Q|$NAME_P|$NAME_Q" "$BODY"; }
log_rows() { sql "SELECT count(*) FROM audit.access_log"; }

# Every cert_no the last answer showed has a row of who's (made since `before`).
check_logged() {
    local label=$1 who=$2 before=$3 c missing=
    for c in "$P" "$Q"; do
        grep -q "$c" "$BODY" || continue
        [[ "$(sql "SELECT count(*) FROM audit.access_log WHERE access_id > $before AND who = '${NAME_OF[$who]}' AND '$c' = ANY(subjects)")" -ge 1 ]] ||
            missing+=" $c"
    done
    if [[ -z "$missing" ]]; then ok "$label: every cert_no shown is in the access log"; else not_ok "$label: shown but not logged:$missing"; fi
}

# What each role may do at all (docs/architecture.md, "Access"), whatever a route table
# says: a table that opens a route wider than this is wrong.
declare -A ONLY=([source]="POST /v1/events" [auditor]="GET /v1/audit" [metrics]="GET /metrics")
PUBLIC_OK='^GET (/healthz|/readyz|/v1/vacancies|/v1/vacancies/kpi|/|/console|/console/|/console/\{file\})$'
declare -A NEVER=([staff]='^(POST /v1/replay|GET /v1/audit|GET /metrics|POST /v1/events)$'
                  [operator]='^(GET /v1/audit|POST /v1/events)$')
rule_within_policy() {
    local route="$1 $2" access=$3 role
    if [[ "$access" == public ]]; then
        [[ "$route" =~ $PUBLIC_OK ]] || { not_ok "$route is public: it must not be"; return; }
    fi
    IFS=, read -ra roles <<<"$access"
    for role in "${roles[@]}"; do
        if [[ -n "${ONLY[$role]:-}" && "${ONLY[$role]}" != "$route" ]]; then
            not_ok "$route lets $role in: $role may only ${ONLY[$role]}"; return
        fi
        if [[ -n "${NEVER[$role]:-}" && "$route" =~ ${NEVER[$role]} ]]; then
            not_ok "$route lets $role in: it must not"; return
        fi
    done
    ok "$route: its rule ($access) is within the roles' policy"
}

ROLES=(source staff operator auditor metrics)
REFUSED=(none malformed unknown expired revoked)
routes=0
for svc in intake rules subsidy notify; do
    while read -r method path access; do
        routes=$((routes + 1))
        label="$svc $method $path"
        rule_within_policy "$method" "$path" "$access"
        if [[ "$access" == public ]]; then
            call "$svc" "$method" "$path" none
            if [[ "$code" =~ ^(2|3) ]]; then ok "$label: public, $code"; else not_ok "$label: public but $code" "$(head -c 300 "$BODY")"; fi
            continue
        fi
        if [[ "$access" == ticket ]]; then
            for who in none operator staff; do
                call "$svc" "$method" "$path" "$who"
                check_eq "$label as $who, no ticket: 401" 401 "$code"
            done
            continue
        fi
        for who in "${REFUSED[@]}"; do
            call "$svc" "$method" "$path" "$who"
            if [[ "$code" == 401 ]] && grep -qi '^WWW-Authenticate: Bearer' "$HDRS" && ! personal; then
                ok "$label as $who: 401"
            else
                not_ok "$label as $who: expected 401 with WWW-Authenticate and no personal data, got $code" "$(head -c 300 "$BODY")"
            fi
        done
        IFS=, read -ra allowed <<<"$access"
        for role in "${ROLES[@]}"; do
            local_allowed=0
            for a in "${allowed[@]}"; do [[ "$a" == "$role" ]] && local_allowed=1; done
            before=$(log_rows)
            call "$svc" "$method" "$path" "$role"
            if ((local_allowed)); then
                if [[ "$code" =~ ^(20[0-9]|409)$ ]]; then
                    ok "$label as $role: allowed, $code"
                else
                    not_ok "$label as $role: allowed but $code" "$(head -c 300 "$BODY")"
                fi
                [[ "$role" != staff ]] || ! grep -q "$Q" "$BODY" || not_ok "$label as staff of 320706 shows 320722's person"
                [[ -z "${NAME_OF[$role]:-}" ]] || check_logged "$label as $role" "$role" "$before"
            elif [[ "$code" == 403 ]] && ! personal; then
                ok "$label as $role: 403"
            else
                not_ok "$label as $role: expected 403 without personal data, got $code" "$(head -c 300 "$BODY")"
            fi
        done
        if [[ ",$access," == *,staff,* ]]; then
            before=$(log_rows)
            call "$svc" "$method" "$path" staff_other
            if grep -q "$P" "$BODY"; then
                not_ok "$label as staff of 320722: shows 320706's person ($code)"
            else
                ok "$label as staff of 320722: nothing of 320706 ($code)"
            fi
            check_logged "$label as staff of 320722" staff_other "$before"
        fi
    done < <("$JIUYE_BIN/jiuye-$svc" --routes)
done
check "the route tables were read (at least 20 routes)" test "$routes" -ge 20

# --- the staff scope, in detail ---
dec() { curl -fsS -H "Authorization: Bearer ${TOK[$1]}" "http://127.0.0.1:$RULES_HTTP_PORT/v1/decisions?subject=$2" | jq '.decisions | length'; }
check "staff of 320706 see 320706's decisions" test "$(dec staff "$P")" -ge 1
check_eq "staff of 320706 do not see 320722's" 0 "$(dec staff "$Q")"
check "the operator sees both" test "$(dec operator "$Q")" -ge 1
awards() { curl -fsS -H "Authorization: Bearer ${TOK[$1]}" "http://127.0.0.1:$SUBSIDY_HTTP_PORT/v1/awards" | jq -r '[.awards[].beneficiary] | unique | join(" ")'; }
check_eq "staff of 320722 see their district's awards alone" "$Q" "$(awards staff_other)"
row=$(sql "SELECT who, role, service, method, route, array_to_string(subjects, ' ') FROM audit.access_log
            WHERE who = 'dh-matrix' AND route = '/v1/awards' ORDER BY access_id DESC LIMIT 1")
check_eq "the access-log row: who, role, service, method, route, subjects" "dh-matrix|staff|subsidy|GET|/v1/awards|$Q" "$row"

# Acknowledgement: in the token's name; a body naming someone else is refused.
ack() { curl -s -o "$BODY" -w '%{http_code}' -X POST -H "Authorization: Bearer ${TOK[$1]}" ${2:+--data-binary "$2"} \
    "http://127.0.0.1:$NOTIFY_HTTP_PORT/v1/notifications/$3/ack"; }
NQ=$(sql "SELECT min(notification_id) FROM notify.notifications WHERE district = '320722'")
sql "UPDATE notify.notifications SET acked_by = NULL, acked_at = NULL WHERE notification_id = $NQ"
check_eq "staff of 320706 cannot acknowledge 320722's notification (404)" 404 "$(ack staff '' "$NQ")"
check_eq "a body naming another person is refused (400)" 400 "$(ack staff_other '{"by":"someone-else"}' "$NQ")"
check_eq "staff of 320722 acknowledge it" 200 "$(ack staff_other '' "$NQ")"
check_eq "in their own name" "dh-matrix" "$(jq -r .acked_by "$BODY")"

# --- no row, no answer ---
sql "REVOKE INSERT ON audit.access_log FROM jiuye_rules"
code=$(curl -s -o "$BODY" -w '%{http_code}' -H "Authorization: Bearer ${TOK[operator]}" "http://127.0.0.1:$RULES_HTTP_PORT/v1/decisions?subject=$P")
sql "GRANT INSERT ON audit.access_log TO jiuye_rules"
if [[ "$code" == 503 ]] && ! personal; then ok "the log cannot be written: 503 and nothing shown"; else not_ok "unlogged read: $code" "$(head -c 300 "$BODY")"; fi
code=$(curl -s -o "$BODY" -w '%{http_code}' -H "Authorization: Bearer ${TOK[operator]}" "http://127.0.0.1:$RULES_HTTP_PORT/v1/decisions?subject=$P")
check_eq "with the grant back, 200 again" 200 "$code"

# --- the log is append-only ---
for stmt in "UPDATE audit.access_log SET who = 'x'" "DELETE FROM audit.access_log"; do
    out=$(sql "$stmt" 2>&1) && rc=0 || rc=$?
    check "refused even to the superuser: ${stmt%% *}" grep -q "append-only" <<<"$out"
done
out=$(psql -X -tAq -U jiuye_notify -c "TRUNCATE audit.access_log" 2>&1) && rc=0 || rc=$?
check "a service role cannot TRUNCATE it" grep -q "permission denied" <<<"$out"
out=$(psql -X -tAq -U jiuye_rules -c "SELECT count(*) FROM audit.access_log" 2>&1) && rc=0 || rc=$?
check "nor read it (only notify's role may)" grep -q "permission denied" <<<"$out"

# --- jiuyectl audit ---
out=$(JIUYE_TOKEN=${TOK[auditor]} "$CTL" audit --subject "$Q" --who dh-matrix)
check "jiuyectl audit --subject --who: the rows of that caller and person" \
    bash -c "grep -q 'dh-matrix (staff) subsidy GET /v1/awards $Q' <<<'$out' && ! grep -q 'hz-matrix' <<<'$out'"
out=$(JIUYE_TOKEN=${TOK[auditor]} "$CTL" audit --from 2000-01-01 --to 2000-01-02)
check_eq "jiuyectl audit --from --to: a day long ago has none" "0 entries" "$out"
out=$(JIUYE_TOKEN=${TOK[operator]} "$CTL" audit 2>&1) && rc=0 || rc=$?
check_eq "jiuyectl audit with an operator's token: refused" 1 "$rc"

# --- guessing is slow ---
svc_stop subsidy
svc_start subsidy || lib_finish
URL=http://127.0.0.1:$SUBSIDY_HTTP_PORT/v1/kpi?year=2024
# each guess names another client in X-Real-IP: without a trusted proxy the header is ignored
for i in $(seq 10); do
    curl -s -o /dev/null -H "X-Real-IP: 203.0.113.$i" -H "Authorization: Bearer jy_$(printf '%064d' "$i")" "$URL"
done
code=$(curl -s -o "$BODY" -D "$HDRS" -w '%{http_code}' -H "X-Real-IP: 203.0.113.99" -H "Authorization: Bearer ${TOK[operator]}" "$URL")
check_eq "after 10 failed tokens the address waits, even with a good token (X-Real-IP ignored): 429" 429 "$code"
retry=$(tr -d '\r' <"$HDRS" | sed -n 's/^Retry-After: //ip')
check "with Retry-After in seconds (1-60)" bash -c "[[ '$retry' =~ ^[0-9]+$ ]] && ((retry = $retry, retry >= 1 && retry <= 60))"
svc_stop subsidy
JIUYE_AUTH_MAX_FAILURES=3 svc_start subsidy || lib_finish
for i in 1 2; do curl -s -o /dev/null -H "Authorization: Bearer jy_$(printf '%064d' "$i")" "$URL"; done
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer ${TOK[metrics]}" "http://127.0.0.1:$SUBSIDY_HTTP_PORT/metrics")
check_eq "below the limit a good token still works" 200 "$code"
curl -s -o /dev/null -H "Authorization: Bearer jy_$(printf '%064d' 3)" "$URL"
check_eq "at the limit: 429" 429 "$(curl -s -o /dev/null -w '%{http_code}' "$URL")"
# Behind a trusted reverse proxy (compose's nginx) every request comes from the proxy: the
# client it names in X-Real-IP is the one counted, so one guesser does not lock out the rest.
svc_stop subsidy
JIUYE_TRUSTED_PROXY=127.0.0.1 svc_start subsidy || lib_finish
for i in $(seq 10); do
    curl -s -o /dev/null -H "X-Real-IP: 203.0.113.7" -H "Authorization: Bearer jy_$(printf '%064d' "$i")" "$URL"
done
check_eq "behind a trusted proxy: the guessing client waits" 429 \
    "$(curl -s -o /dev/null -w '%{http_code}' -H "X-Real-IP: 203.0.113.7" -H "Authorization: Bearer ${TOK[operator]}" "$URL")"
check_eq "behind a trusted proxy: another client of the same proxy is served" 200 \
    "$(curl -s -o /dev/null -w '%{http_code}' -H "X-Real-IP: 203.0.113.8" -H "Authorization: Bearer ${TOK[operator]}" "$URL")"
svc_stop subsidy
svc_start subsidy || lib_finish
for i in 1 2 3; do curl -s -o /dev/null -H "Authorization: Bearer jy_$(printf '%064d' "$i")" "$URL"; done
m=$(curl -s -H "Authorization: Bearer ${TOK[metrics]}" "http://127.0.0.1:$SUBSIDY_HTTP_PORT/metrics")
check "/metrics: jiuye_auth_failures_total counted" grep -qx 'jiuye_auth_failures_total 3' <<<"$m"
check "/metrics: with HELP and TYPE lines" grep -q '^# TYPE jiuye_auth_failures_total counter' <<<"$m"
check "/metrics: jiuye_auth_throttled_total too" grep -q '^# HELP jiuye_auth_throttled_total ' <<<"$m"

lib_finish
