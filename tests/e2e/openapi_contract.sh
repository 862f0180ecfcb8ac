#!/usr/bin/env bash
# The services keep the contract docs/api/openapi.yaml, live: a Prism validation proxy
# (`prism proxy --errors`, pinned by tests/tools/npm-tool.sh) stands in front of each of
# the four services, and the requests of a whole flow go through them: events of every
# type published to intake (each example of the spec, NDJSON, a batch with a rejected
# event, duplicates), decisions, the replay, the vacancy feed in JSON and Atom and its KPI,
# awards and the plan targets, the inbox and acknowledgements, the console's files and
# API, health and metrics, and the error answers (400, 401, 404, 409). Each answer must be
# the status the flow expects with no violation: Prism reports a request or a response
# that breaks the spec with an `sl-violations` header, or (--errors) answers in its stead
# with an application/problem+json body (422 for the request, 500 for the response).
#
# Each proxy validates the slice of the spec its service serves (tests/tools/
# openapi_check.js slice: the paths whose `servers` name the service, with the proxy as the
# only server), since four services share /healthz and /metrics.
#
# Tokens: every request goes through call(), which sends `Authorization: Bearer` with the
# token of the role the route admits, TOKEN_<ROLE> (TOKEN_SOURCE, TOKEN_STAFF,
# TOKEN_OPERATOR, TOKEN_METRICS, TOKEN_AUDITOR) when set, else $TOKEN when set.
. "$(dirname "$0")/../lib.sh"
lib_init
db_reset
. "$(dirname "$0")/../tools/openapi_test.sh"
CTL=$JIUYE_BIN/jiuyectl
export JIUYE_TODAY=2025-06-30
# The proxies' ports: above the services' and their ZeroMQ ports, moved by the same offset.
PRISM_BASE=$((19180 + ${JIUYE_TEST_PORT_OFFSET:-0}))
declare -A PRISM_PORT=([intake]=$PRISM_BASE [rules]=$((PRISM_BASE + 1)) [subsidy]=$((PRISM_BASE + 2))
    [notify]=$((PRISM_BASE + 3)))
declare -A PRISM_PID=()

for s in notify subsidy rules intake; do svc_start "$s" || lib_finish; done

# --- the proxies ---------------------------------------------------------------------
stop_prisms() {
    local svc
    for svc in "${!PRISM_PID[@]}"; do
        kill -TERM "${PRISM_PID[$svc]}" 2>/dev/null || true
        wait "${PRISM_PID[$svc]}" 2>/dev/null || true
    done
    return 0
}
lib_at_exit stop_prisms

for svc in intake rules subsidy notify; do
    slice=$JIUYE_TEST_TMP/openapi-$svc.json
    if ! "$NPM_TOOL" node "$ROOT/tests/tools/openapi_check.js" slice "$SPEC" "$svc" \
        "http://127.0.0.1:${PRISM_PORT[$svc]}" >"$slice"; then
        not_ok "the spec's slice for $svc"
        lib_finish
    fi
    "$NPM_TOOL" prism proxy "$slice" "http://127.0.0.1:$(svc_port "$svc")" --errors --cors=false \
        --host 127.0.0.1 --port "${PRISM_PORT[$svc]}" >"$JIUYE_TEST_TMP/logs/prism-$svc.log" 2>&1 &
    PRISM_PID[$svc]=$!
done
for svc in intake rules subsidy notify; do
    if wait_until 60 curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:${PRISM_PORT[$svc]}/healthz"; then
        ok "prism proxy in front of $svc on :${PRISM_PORT[$svc]}"
    else
        not_ok "prism proxy in front of $svc on :${PRISM_PORT[$svc]}" "$(tail -20 "$JIUYE_TEST_TMP/logs/prism-$svc.log")"
        lib_finish
    fi
done

# --- requests ------------------------------------------------------------------------
# The one way a request is made: token_of ROLE is what call() sends.
token_of() {
    local var=TOKEN_${1^^}
    echo "${!var:-${TOKEN:-}}"
}
WRONG=jy_$(printf '0%.0s' {1..64})
# shellcheck disable=SC2034 # read by token_of wrong, through ${!var}
TOKEN_WRONG=$WRONG # role "wrong": a well-formed token nobody holds

# call SVC ROLE METHOD PATH [CURL ARGS...]: the request through SVC's proxy, as ROLE
# ("public": no token). Sets STATUS, BODY (the body's text) and HEADERS.
call() {
    local svc=$1 role=$2 method=$3 path=$4 tok="" out
    shift 4
    [[ "$role" == public ]] || tok=$(token_of "$role")
    local auth=()
    [[ -z "$tok" ]] || auth=(-H "Authorization: Bearer $tok")
    local hfile=$JIUYE_TEST_TMP/call.headers bfile=$JIUYE_TEST_TMP/call.body
    out=$(curl -sS --max-time 30 -X "$method" -D "$hfile" -o "$bfile" -w '%{http_code}' "${auth[@]}" "$@" \
        "http://127.0.0.1:${PRISM_PORT[$svc]}$path" 2>&1) || out="curl failed: $out"
    STATUS=$out
    BODY=$(cat "$bfile" 2>/dev/null)
    HEADERS=$(tr -d '\r' <"$hfile" 2>/dev/null)
}

# expect NAME SVC ROLE STATUS METHOD PATH [CURL ARGS...]: the call answers STATUS and
# Prism saw nothing against the spec in the request nor in the answer.
expect() {
    local name=$1 svc=$2 role=$3 want=$4
    shift 4
    call "$svc" "$role" "$@"
    local problem=""
    if grep -qi '^sl-violations:' <<<"$HEADERS"; then
        problem="prism's violations: $(grep -i '^sl-violations:' <<<"$HEADERS" | cut -c1-1500)"
    elif grep -qi '^content-type: application/problem+json' <<<"$HEADERS"; then
        problem="prism answered instead of $svc: $(cut -c1-1500 <<<"$BODY")"
    elif [[ "$STATUS" != "$want" ]]; then
        problem="status $STATUS, want $want: $(cut -c1-600 <<<"$BODY")"
    fi
    if [[ -z "$problem" ]]; then
        ok "$name ($1 $svc$2 -> $STATUS)"
    else
        not_ok "$name ($1 $svc$2)" "$problem"
    fi
}

# A build with access control prints its route table (and serves the access log, 403, 429).
ACCESS_BUILD=0
if routes_of notify >/dev/null 2>&1; then ACCESS_BUILD=1; fi

# The tokens of today's services: a source's for intake and a staff member's for the
# console (jiuyectl); the other routes take any bearer until access control checks
# them, so the staff token stands in for the other roles. A lib.sh token_for ROLE, where
# there is one, makes each role's own.
if declare -F token_for >/dev/null; then
    for role in source staff operator metrics auditor; do
        var=TOKEN_${role^^}
        [[ -n "${!var:-}" ]] || declare "$var=$(token_for "$role" 320706 cdpf)"
    done
else
    : "${TOKEN_SOURCE:=$("$CTL" source add openapi-contract)}"
    : "${TOKEN_STAFF:=$("$CTL" staff add openapi-hz --district 320706 --department cdpf)}"
    : "${TOKEN_OPERATOR:=$TOKEN_STAFF}" "${TOKEN_METRICS:=$TOKEN_STAFF}" "${TOKEN_AUDITOR:=$TOKEN_STAFF}"
fi

# --- intake: every example of the spec, NDJSON, a batch, duplicates, errors -------------
mapfile -t examples < <("$NPM_TOOL" node -e '
    const YAML = require("yaml");
    const spec = YAML.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const ex = spec.paths["/v1/events"].post.requestBody.content["application/json"].examples;
    for (const [name, e] of Object.entries(ex)) console.log(name + " " + JSON.stringify(e.value));
' "$SPEC")
check "the spec has examples for POST /v1/events" test "${#examples[@]}" -ge 15
for line in "${examples[@]}"; do
    name=${line%% *}
    expect "example $name is published" intake source 200 POST /v1/events \
        -H 'Content-Type: application/json' --data-binary "${line#* }"
    check "example $name: no event rejected" bash -c '! jq -e ".results[] | select(.status == \"rejected\")" <<<"$1" >/dev/null' _ "$BODY"
done
expect "an example again: duplicate" intake source 200 POST /v1/events -H 'Content-Type: application/json' \
    --data-binary "${examples[0]#* }"
check_eq "its status is duplicate" duplicate "$(jq -r '.results[0].status' <<<"$BODY")"
expect "NDJSON (ops/samples/demo.ndjson)" intake source 200 POST /v1/events \
    -H 'Content-Type: application/x-ndjson' --data-binary "@$ROOT/ops/samples/demo.ndjson"
check_eq "every NDJSON line answered" "$(grep -c . "$ROOT/ops/samples/demo.ndjson")" "$(jq '.results | length' <<<"$BODY")"
# A vacancy open on today, for the feed; and an event whose cert_no has the shape but not
# the check digit (the spec's pattern cannot say it): rejected in its result, not a 400.
P=$(make_cert_no 32070619900307123)
BAD=${P:0:17}$(((${P:17:1} + 1) % 10))${P:18}
EMP=$(make_credit_code 91320706MA3333330)
batch=$(jq -cn --arg p "$P" --arg bad "$BAD" --arg emp "$EMP" '[
  {event_id: "oc-vac-1", type: "vacancy.posted", occurred_on: "2025-06-01", district: "320706",
   payload: {vacancy_id: "oc-vac-1", employer_code: $emp, title: "客服 <夜班> & 周末", positions: 2, categories: [2, 4],
             max_severity: 3, course: "", monthly_wage_fen: 280000, open_until: "2025-12-31"}},
  {event_id: "oc-reg-1", type: "person.registered", occurred_on: "2025-01-10", district: "320706",
   payload: {cert_no: $p, name: "赵六", employment_status: "unemployed", wants_job: true}},
  {event_id: "oc-bad-1", type: "person.registered", occurred_on: "2025-01-10", district: "320706",
   payload: {cert_no: $bad, name: "钱七", employment_status: "unemployed"}}]')
expect "a batch with a rejected event" intake source 200 POST /v1/events -H 'Content-Type: application/json' --data-binary "$batch"
check_eq "the batch's statuses" "accepted accepted rejected" "$(jq -r '[.results[].status] | join(" ")' <<<"$BODY")"
expect "an empty batch is a 400" intake source 400 POST /v1/events -H 'Content-Type: application/json' --data-binary '[]'
expect "an unknown token is a 401" intake wrong 401 POST /v1/events \
    -H 'Content-Type: application/json' --data-binary "${examples[0]#* }"

# Wait for the flow to reach notify: the training example's award, the ack target.
wait_until 60 sql_ge "SELECT count(*) FROM notify.notifications WHERE event_id = 'hrss-2024-000123'" 1 ||
    not_ok "the training example reached notify"
wait_until 30 sql_ge "SELECT count(*) FROM rules.vacancies WHERE vacancy_id = 'oc-vac-1'" 1 ||
    not_ok "the vacancy reached rules"

# --- rules --------------------------------------------------------------------------
expect "decisions of an event" rules staff 200 GET '/v1/decisions?event_id=hrss-2024-000123'
check "the training's decisions are there" jq -e '.decisions | length > 0' <<<"$BODY"
expect "decisions of a subject" rules staff 200 GET "/v1/decisions?subject=32070619900307123742"
expect "decisions without event_id nor subject: 400" rules staff 400 GET /v1/decisions
expect "a dry-run replay" rules operator 200 POST /v1/replay -H 'Content-Type: application/json' \
    --data-binary '{"from":"2024-01-01","to":"2025-06-30","dry_run":true}'
expect "a replay of one rule" rules operator 200 POST /v1/replay -H 'Content-Type: application/json' \
    --data-binary '{"from":"2024-01-01","to":"2025-06-30","rule":"R01"}'
expect "a replay ending before it starts: 400" rules operator 400 POST /v1/replay -H 'Content-Type: application/json' \
    --data-binary '{"from":"2025-01-01","to":"2024-01-01"}'
expect "the vacancy feed (JSON)" rules public 200 GET /v1/vacancies
check "the open vacancy is in the feed" jq -e '.vacancies | map(.vacancy_id) | index("oc-vac-1") != null' <<<"$BODY"
expect "the feed of a district and category" rules public 200 GET '/v1/vacancies?district=320706&category=4'
expect "the feed in Atom (format=atom)" rules public 200 GET '/v1/vacancies?format=atom'
check "it is Atom" grep -q '<feed xmlns="http://www.w3.org/2005/Atom"' <<<"$BODY"
expect "the feed in Atom (Accept)" rules public 200 GET /v1/vacancies -H 'Accept: application/atom+xml'
expect "an unknown district: 400" rules public 400 GET '/v1/vacancies?district=999999'
expect "a category outside 1-7: 400" rules public 400 GET '/v1/vacancies?category=9'
expect "the vacancy KPI" rules public 200 GET '/v1/vacancies/kpi?year=2025'
expect "the vacancy KPI of a district" rules public 200 GET '/v1/vacancies/kpi?year=2025&district=320706'
expect "a vacancy KPI year out of range: 400" rules public 400 GET '/v1/vacancies/kpi?year=1999'

# --- subsidy ------------------------------------------------------------------------
wait_until 30 sql_ge "SELECT count(*) FROM subsidy.awards" 1 || not_ok "awards were made"
expect "awards" subsidy staff 200 GET /v1/awards
check "awards are listed" jq -e '.awards | length > 0' <<<"$BODY"
expect "awards of a year and beneficiary" subsidy staff 200 GET '/v1/awards?year=2024&beneficiary=32070619900307123742'
expect "awards of an event" subsidy staff 200 GET '/v1/awards?event_id=hrss-2024-000123'
expect "a 3-digit year: 400" subsidy staff 400 GET '/v1/awards?year=202'
expect "the plan targets" subsidy staff 200 GET '/v1/kpi?year=2025'
expect "the plan targets of a district, monthly" subsidy staff 200 GET '/v1/kpi?year=2025&district=320706&monthly=1'
expect "targets of an unknown district: 400" subsidy staff 400 GET '/v1/kpi?year=2024&district=999999'

# --- notify: the inbox ----------------------------------------------------------------
expect "the inbox" notify staff 200 GET /v1/notifications
check "the inbox has notifications" jq -e '.notifications | length > 0' <<<"$BODY"
expect "an inbox page" notify staff 200 GET '/v1/notifications?district=320706&audience=cdpf&after=0&limit=2'
expect "a limit of 0: 400" notify staff 400 GET '/v1/notifications?limit=0'
expect "an unknown audience: 400" notify operator 400 GET '/v1/notifications?audience=police'
expect "a stream resuming after nonsense: 400" notify staff 400 GET '/v1/notifications/stream?after=x'
ids=$(sql "SELECT notification_id FROM notify.notifications WHERE district = '320706' AND 'cdpf' = ANY(audience)
           ORDER BY notification_id LIMIT 2")
N1=$(sed -n 1p <<<"$ids")
N2=$(sed -n 2p <<<"$ids")
check "two notifications of 320706/cdpf to acknowledge" test -n "$N2"
# Without access control notify wants {"by": name} (400 without it, before it looks for
# the notification); with it the name is the token's and the body is left out.
call notify staff POST /v1/notifications/999999999/ack
ACK_BODY=()
[[ "$STATUS" != 400 ]] || ACK_BODY=(-H 'Content-Type: application/json' --data-binary '{"by":"hz-staff-007"}')
expect "acknowledge" notify staff 200 POST "/v1/notifications/$N1/ack" "${ACK_BODY[@]}"
expect "acknowledge again: 409" notify staff 409 POST "/v1/notifications/$N1/ack" "${ACK_BODY[@]}"
expect "acknowledge what does not exist: 404" notify staff 404 POST /v1/notifications/999999999/ack "${ACK_BODY[@]}"

# --- notify: the console ----------------------------------------------------------------
# A proxy that follows redirects (Prism's does) cannot see a 302: the two redirects are
# asked of notify itself, and the spec must say what it answered.
for path in / /console; do
    hdrs=$(curl -sS -o /dev/null -D - "http://127.0.0.1:$(svc_port notify)$path" | tr -d '\r')
    check_eq "GET $path answers 302 to /console/" "HTTP/1.1 302 Found|Location: /console/" \
        "$(head -1 <<<"$hdrs")|$(grep -i '^location:' <<<"$hdrs")"
done
check "the spec's / and /console answer 302 with a Location" "$NPM_TOOL" node -e '
    const spec = require("yaml").parse(require("fs").readFileSync(process.argv[1], "utf8"));
    for (const p of ["/", "/console"]) {
        const r = spec.paths[p].get.responses["302"];
        const resolved = r.$ref ? spec.components.responses[r.$ref.split("/").pop()] : r;
        if (!resolved.headers.Location) process.exit(1);
    }' "$SPEC"
for f in / app.js style.css print.css favicon.svg; do
    expect "console file /console/${f#/}" notify public 200 GET "/console/${f#/}"
done
etag=$(sed -n 's/^etag: //Ip' <<<"$HEADERS")
expect "a file not modified: 304" notify public 304 GET /console/favicon.svg -H "If-None-Match: $etag"
expect "who am I" notify staff 200 GET /v1/me
expect "who am I with an unknown token: 401" notify wrong 401 GET /v1/me
expect "the console inbox" notify staff 200 GET /v1/console/notifications
expect "the console inbox, limit 5000: 400" notify staff 400 GET '/v1/console/notifications?limit=5000'
expect "a trace" notify staff 200 GET "/v1/console/notifications/$N2/trace"
check "the trace has the decisions and awards" jq -e '(.decisions | length > 0) and (.errors | length == 0)' <<<"$BODY"
expect "a trace of what does not exist: 404" notify staff 404 GET /v1/console/notifications/999999999/trace
expect "acknowledge in the console" notify staff 200 POST "/v1/console/notifications/$N2/ack"
expect "acknowledge in the console again: 409" notify staff 409 POST "/v1/console/notifications/$N2/ack"
expect "acknowledge in the console what does not exist: 404" notify staff 404 POST /v1/console/notifications/999999999/ack
expect "a stream ticket" notify staff 200 POST /v1/console/ticket
expect "the console stream with a stale ticket: 401" notify public 401 GET /v1/console/stream -H 'Cookie: jiuye_ticket=jy_stale'
expect "the console's targets" notify staff 200 GET '/v1/console/kpi?year=2025'
expect "the console's targets of a 2-digit year: 400" notify staff 400 GET '/v1/console/kpi?year=20'

# The access log, where this build serves it (it comes with access control).
if [[ "$ACCESS_BUILD" == 1 ]]; then
    expect "the access log" notify auditor 200 GET /v1/audit
    expect "the access log of a subject and a period" notify auditor 200 GET \
        "/v1/audit?subject=32070619900307123742&from=2024-01-01&to=2030-12-31"
else
    echo "# GET /v1/audit: this build of notify does not serve it (no --routes); not asked"
fi

# --- every service: health and metrics -------------------------------------------------
for svc in intake rules subsidy notify; do
    expect "$svc alive" "$svc" public 200 GET /healthz
    expect "$svc ready" "$svc" public 200 GET /readyz
    expect "$svc metrics" "$svc" metrics 200 GET /metrics
done

# Access control's refusals, last: 10 bad tokens throttle the address (Prism's, here) for a
# minute, whatever token it sends next.
if [[ "$ACCESS_BUILD" == 1 ]]; then
    expect "a source token reading awards: 403" subsidy source 403 GET /v1/awards
    expect "a staff token replaying: 403" rules staff 403 POST /v1/replay -H 'Content-Type: application/json' \
        --data-binary '{"from":"2024-01-01","to":"2024-12-31","dry_run":true}'
    for _ in {1..10}; do call subsidy wrong GET /v1/awards; done
    expect "the 11th bad token in a minute: 429" subsidy wrong 429 GET /v1/awards
    check "429 comes with Retry-After" grep -qiE '^retry-after: [0-9]+$' <<<"$HEADERS"
else
    echo "# 403 and 429: this build has no access control (no --routes); not asked"
fi

# Prism's own log: it must not have seen what the answers above did not show.
for svc in intake rules subsidy notify; do
    v=$(grep -ciE 'violation' "$JIUYE_TEST_TMP/logs/prism-$svc.log" || true)
    check_eq "prism in front of $svc logged no violation" 0 "$v"
done
lib_finish
