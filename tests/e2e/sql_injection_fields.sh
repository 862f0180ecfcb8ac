#!/usr/bin/env bash
# SQL injection tried in every string field the suite takes in: every string of every
# event type (the valid examples of tests/fuzz/corpus/event_json, walked with jq), every
# query and path parameter of every GET route (the routes from the binaries'
# `--routes`, their parameters from docs/api/openapi.yaml), every string of the POST
# bodies (replay, acknowledgement) and the names, codes and filters given to jiuyectl.
# Each gets a few payloads; the answer must be a success or a clear refusal naming the
# field (never a 5xx, never a crash), within a few seconds (a pg_sleep that ran would
# show), the services stay up, and afterwards every table of every schema is still
# there with no fewer rows than before (counts per table compared, before and after).
. "$(dirname "$0")/../lib.sh"
lib_init
# Every text field, the person's name among them, holds the same payload here: the privacy
# scan (zz_privacy_scan.sh) would find each "name" in every notification's other fields.
LIB_COLLECT_NAMES=0
lib_at_exit db_reset # nor may the next script's db_reset collect them
db_reset
export JIUYE_TODAY=2026-01-15
CTL=$JIUYE_BIN/jiuyectl
SPEC=$(dirname "$0")/../../docs/api/openapi.yaml
CORPUS=$(dirname "$0")/../fuzz/corpus/event_json
MAX_S=4 # an answer slower than this ran something it should not have

PAYLOADS=(
    "'); DROP TABLE intake.events; --"
    "' OR '1'='1"
    "\\'; SELECT pg_sleep(5); --"
    '$$; DELETE FROM rules.persons; $$'
    "名’；DROP TABLE rules.persons；-- ＇ＯＲ＇１＇＝＇１ 😀"
)

# counts: "schema.table count" for every table of every schema but the system's.
counts() {
    sql "SELECT format('%I.%I', schemaname, tablename) || ' ' ||
                (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', schemaname, tablename),
                                                     false, true, '')))[1]::text
           FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')" | LC_ALL=C sort
}
# settle: wait until the pipeline is quiet (two equal snapshots a second apart).
settle() {
    local a b i
    a=$(counts)
    for ((i = 0; i < 30; i++)); do
        sleep 1
        b=$(counts)
        [[ "$a" != "$b" ]] || return 0
        a=$b
    done
}

for s in notify subsidy rules intake; do
    JIUYE_AUTH_MAX_FAILURES=100000 svc_start $s || lib_finish
done
SRC=$("$CTL" source add e2e-inject)
OP=$(token_for operator)
AUD=$(token_for auditor)
STAFF=$("$CTL" staff add hz-inject --district 320706 --department cdpf)

# The baseline: every valid example once (the first of an event_id: valid-null-reason
# is employment.ended again under its id), so that the tables the pipeline fills have rows.
EXAMPLES=$JIUYE_TEST_TMP/examples.json
jq -s '[.[] | objects] | reduce .[] as $e ([]; if any(.[]; .event_id == $e.event_id) then . else . + [$e] end)' \
    "$CORPUS"/valid-*.json >"$EXAMPLES"
code=$(curl -s -o "$JIUYE_TEST_TMP/base.json" -w '%{http_code}' -H "Authorization: Bearer $SRC" \
    -H 'Content-Type: application/json' --data-binary @"$EXAMPLES" "http://127.0.0.1:$INTAKE_HTTP_PORT/v1/events")
check_eq "the examples published" 200 "$code"
check_eq "every example accepted" 0 \
    "$(jq '[.results[] | select(.status == "rejected")] | length' "$JIUYE_TEST_TMP/base.json")"
wait_until 30 sql_ge "SELECT count(*) FROM rules.consumed" 1 || not_ok "rules consumed the examples"
settle
NID=$(sql "SELECT min(notification_id) FROM notify.notifications")
P=$(jq -r '.[] | select(.type == "person.registered") | .payload.cert_no' "$EXAMPLES")
BEFORE=$(counts)
check "the baseline has tables with rows to lose" grep -qE ' [1-9][0-9]*$' <<<"$BEFORE"

# slow LABEL SECONDS: a not ok when an answer took longer than MAX_S.
slow() { awk -v t="$2" -v m="$MAX_S" 'BEGIN { exit !(t > m) }'; }

# --- every string of every event type -------------------------------------------

# One batch per payload: every string path of every example set to it, each copy under
# its own event_id (or with the payload as its event_id, when that is the path).
for i in "${!PAYLOADS[@]}"; do
    jq --arg x "${PAYLOADS[$i]}" --arg n "$i" '
        [to_entries[] | .key as $k | .value as $e
         | [$e | paths(strings)][] as $p
         | {path: ($p | map(if type == "number" then "[\(.)]" else ".\(.)" end) | join("") | ltrimstr(".") | gsub("\\.\\["; "[")),
            event: ($e | .event_id = "inj-\($n)-\($k)-\($p | map(tostring) | join("-"))" | setpath($p; $x))}]' \
        "$EXAMPLES" >"$JIUYE_TEST_TMP/inj.$i.json"
done
n=$(jq length "$JIUYE_TEST_TMP/inj.0.json")
check "the examples have string fields to try (at least 40)" test "$n" -ge 40
for i in "${!PAYLOADS[@]}"; do
    f=$JIUYE_TEST_TMP/inj.$i.json
    out=$(curl -s -o "$JIUYE_TEST_TMP/ans.json" -w '%{http_code} %{time_total}' --max-time 30 \
        -H "Authorization: Bearer $SRC" -H 'Content-Type: application/json' \
        --data-binary "$(jq '[.[].event]' "$f")" "http://127.0.0.1:$INTAKE_HTTP_PORT/v1/events")
    read -r code secs <<<"$out"
    if [[ "$code" != 200 ]] || slow "$secs"; then
        not_ok "payload $i in $n event fields: answered $code in ${secs}s" "$(head -c 300 "$JIUYE_TEST_TMP/ans.json")"
        continue
    fi
    # Each result: accepted, or rejected with an error that starts with the field's path.
    bad=$(jq -r --slurpfile inj "$f" '
        [.results, $inj[0]] | transpose[] | .[0] as $r | .[1] as $i
        | select(($r.status == "accepted") | not)
        | select(($r.status == "rejected" and ($r.error | startswith($i.path + ": "))) | not)
        | "\($i.path) (\($i.event.type)): \($r.status) \($r.error // "")"' "$JIUYE_TEST_TMP/ans.json")
    check_eq "payload $i in $n event fields: each accepted as data or refused naming its field (${secs}s)" "" "$bad"
done
echo "# event fields: $(jq -r '[.[].path] | unique | join(" ")' "$JIUYE_TEST_TMP/inj.0.json")"
echo "# accepted as data: $(sql "SELECT count(*) FROM intake.events WHERE event_id LIKE 'inj-%'") events"

# --- every parameter of every GET route ------------------------------------------

# "METHOD PATH NAME IN" for every parameter of docs/api/openapi.yaml, its
# components/parameters references resolved.
spec_params() {
    awk '
    /^[^ ]/ { section = $1 }
    /^  [^ ]/ { path = ""; comp = "" }
    section == "paths:" && /^  \/[^ ]*:$/ { path = substr($1, 1, length($1) - 1) }
    path != "" && /^    [a-z]+:$/ { method = toupper(substr($1, 1, length($1) - 1)) }
    path != "" && /- \{name: / {
        name = $0; sub(/.*name: /, "", name); sub(/,.*/, "", name)
        where = $0; sub(/.*in: /, "", where); sub(/,.*/, "", where)
        print method, path, name, where
    }
    path != "" && /\$ref: "#\/components\/parameters\// {
        ref = $0; sub(/.*parameters\//, "", ref); sub(/".*/, "", ref)
        refs[++nrefs] = method " " path " " ref
    }
    /^  parameters:$/ { comp = "params" }
    comp == "params" && /^    [A-Za-z]+:$/ { cur = substr($1, 1, length($1) - 1) }
    comp == "params" && /^      name: / { pname[cur] = $2 }
    comp == "params" && /^      in: / { pin[cur] = $2 }
    END {
        for (i = 1; i <= nrefs; i++) {
            split(refs[i], f, " ")
            print f[1], f[2], pname[f[3]], pin[f[3]]
        }
    }' "$SPEC"
}
PARAMS=$(spec_params)
check "openapi.yaml gives parameters (at least 20)" test "$(wc -l <<<"$PARAMS")" -ge 20

# What a route needs besides the parameter tried, so that the one tried is the one judged.
declare -A BASE=([/v1/decisions]="subject=$P" [/v1/kpi]="year=2024" [/v1/console/kpi]="year=2024"
                 [/v1/vacancies/kpi]="year=2024")
# The caller: the widest role the route admits.
caller_args() {
    local access=$1 t
    case ",$access," in
    *,operator,*) printf '%s\n' -H "Authorization: Bearer $OP" ;;
    *,staff,*) printf '%s\n' -H "Authorization: Bearer $STAFF" ;;
    *,auditor,*) printf '%s\n' -H "Authorization: Bearer $AUD" ;;
    *,ticket,*)
        t=$(curl -sS -D - -o /dev/null -X POST -H "Authorization: Bearer $STAFF" \
            "http://127.0.0.1:$NOTIFY_HTTP_PORT/v1/console/ticket" | grep -Eio 'jiuye_ticket=jy_[0-9a-f]{64}')
        printf '%s\n' -H "Cookie: $t"
        ;;
    esac
}
# judge LABEL FIELD CODE SECS BODYFILE [STREAM [FILTER]]: 2xx, or 4xx whose error names
# FIELD; a FILTER (a query parameter that narrows a list) given SQL must match nothing.
judge() {
    local label=$1 field=$2 code=$3 secs=$4 body=$5 stream=${6:-0} filter=${7:-0} err
    err=$(jq -r '.error // empty' "$body" 2>/dev/null)
    if [[ "$code" =~ ^5 || "$code" == 000 ]]; then
        not_ok "$label: answered $code" "$(head -c 300 "$body")"
    elif ((!stream)) && slow "$secs"; then
        not_ok "$label: took ${secs}s" "$(head -c 300 "$body")"
    elif [[ "$code" =~ ^2 ]] && ((filter)) && jq -e '[.[]? | arrays | length] | add > 0' "$body" >/dev/null 2>&1; then
        # "' OR '1'='1" that reached the SQL text would match every row
        not_ok "$label: a value carrying SQL matched rows" "$(head -c 300 "$body")"
    elif [[ "$code" =~ ^2 || ("$code" == 404 && "$field" == id) ]]; then
        ok "$label: $code"
    elif [[ "$code" =~ ^4 && "$err" == *"$field"* ]]; then
        ok "$label: $code naming $field"
    else
        not_ok "$label: $code without naming $field" "$(head -c 300 "$body")"
    fi
}

# The parameters that narrow a list to matching rows (the others are switches or pages).
FILTERS='^(subject|event_id|source|beneficiary|who|district|audience|category)$'
tried=0
for svc in intake rules subsidy notify; do
    while read -r method path access; do
        [[ "$method" == GET ]] || continue
        while read -r _ _ name where; do
            [[ -n "$name" ]] || continue
            stream=0
            [[ "$path" != */stream ]] || stream=1
            mapfile -t auth < <(caller_args "$access")
            for i in "${!PAYLOADS[@]}"; do
                x=${PAYLOADS[$i]}
                url=${path//\{id\}/$NID}
                args=(-G)
                [[ -z "${BASE[$path]:-}" || "${BASE[$path]%%=*}" == "$name" ]] || args+=(--data-urlencode "${BASE[$path]}")
                if [[ "$where" == path ]]; then
                    url=${path//\{$name\}/$(jq -rn --arg x "$x" '$x | @uri')}
                elif [[ "$where" == query ]]; then
                    args+=(--data-urlencode "$name=$x")
                else
                    continue
                fi
                out=$(curl -s -o "$JIUYE_TEST_TMP/ans.json" -w '%{http_code} %{time_total}' \
                    --max-time "$((stream ? 2 : 30))" "${auth[@]}" "${args[@]}" "http://127.0.0.1:$(svc_port "$svc")$url")
                read -r code secs <<<"$out"
                judge "$svc GET $path $name=payload $i" "$name" "$code" "$secs" "$JIUYE_TEST_TMP/ans.json" "$stream" \
                    "$([[ "$where" == query && "$name" =~ $FILTERS ]] && echo 1 || echo 0)"
                tried=$((tried + 1))
            done
        done < <(grep -E "^GET $path " <<<"$PARAMS")
    done < <("$JIUYE_BIN/jiuye-$svc" --routes)
done
check "parameters of the GET routes tried (at least 60 calls)" test "$tried" -ge 60

# --- every string of the POST bodies ---------------------------------------------

# The body of each POST route that takes one (the events are above). A route the spec
# gives a requestBody and this table does not know is a "not ok": add it here.
declare -A POST_BODY=(
    [/v1/replay]='{"from":"2024-01-01","to":"2024-12-31","rule":"R01","dry_run":true}'
    ['/v1/notifications/{id}/ack']='{"by":"x"}'
)
with_body=$(awk '/^  \/[^ ]*:$/ { path = substr($1, 1, length($1) - 1) } /^      requestBody:/ { print path }' "$SPEC")
for path in $with_body; do
    [[ "$path" == /v1/events || -n "${POST_BODY[$path]:-}" ]] || not_ok "POST $path takes a body this test does not try"
done
for path in "${!POST_BODY[@]}"; do
    svc=$(for s in rules notify; do "$JIUYE_BIN/jiuye-$s" --routes | grep -q "^POST $path " && echo "$s"; done)
    access=$("$JIUYE_BIN/jiuye-$svc" --routes | awk -v p="$path" '$1 == "POST" && $2 == p { print $3 }')
    mapfile -t auth < <(caller_args "$access")
    for field in $(jq -r 'paths(strings) | join(".")' <<<"${POST_BODY[$path]}"); do
        for i in "${!PAYLOADS[@]}"; do
            # a fresh notification each time, so that an acknowledgement is judged on its body
            sql "UPDATE notify.notifications SET acked_by = NULL, acked_at = NULL WHERE notification_id = $NID"
            body=$(jq -c --arg f "$field" --arg x "${PAYLOADS[$i]}" 'setpath($f | split("."); $x)' <<<"${POST_BODY[$path]}")
            out=$(curl -s -o "$JIUYE_TEST_TMP/ans.json" -w '%{http_code} %{time_total}' --max-time 30 "${auth[@]}" \
                --data-binary "$body" "http://127.0.0.1:$(svc_port "$svc")${path//\{id\}/$NID}")
            read -r code secs <<<"$out"
            judge "$svc POST $path body $field=payload $i" "$field" "$code" "$secs" "$JIUYE_TEST_TMP/ans.json"
        done
    done
done

# --- what jiuyectl is given -------------------------------------------------------

# ctl FIELD ARGS...: jiuyectl ARGS; exit 0, or 1/2 with a message naming FIELD; never a
# crash or a sanitizer report.
ctl() {
    local field=$1 out rc=0
    shift
    out=$(JIUYE_TOKEN=$AUD timeout 20 "$CTL" "$@" 2>&1) || rc=$?
    local label="jiuyectl ${*:1:2} $field=payload $i"
    if grep -qE 'Sanitizer|runtime error:' <<<"$out"; then
        not_ok "$label: sanitizer report" "$(head -20 <<<"$out")"
    elif ((rc == 0)); then
        ok "$label: done"
    elif ((rc <= 2)) && grep -qi -- "$field" <<<"${out%%$'\n'*}"; then
        ok "$label: refused naming $field: ${out%%$'\n'*}"
    else
        not_ok "$label: exit $rc without naming $field" "$(head -5 <<<"$out")"
    fi
}
for i in "${!PAYLOADS[@]}"; do
    x=${PAYLOADS[$i]}
    ctl name source add "$x"
    ctl name staff add "$x" --district 320706 --department cdpf
    ctl district staff add "st-$i" --district "$x" --department cdpf
    ctl department staff add "sd-$i" --district 320706 --department "$x"
    for role in operator auditor metrics; do ctl name "$role" add "$x"; done
    ctl name subscribe add "$x" --channel inbox
    ctl target subscribe add "sw-$i" --channel webhook --target "$x"
    ctl target subscribe add "se-$i" --channel email --target "$x"
    ctl district subscribe add "sf-$i" --channel inbox --district "$x"
    ctl audience subscribe add "sa-$i" --channel inbox --audience "$x"
    ctl rule subscribe add "sr-$i" --channel inbox --rule "$x"
    ctl who audit --who "$x"
    ctl subject audit --subject "$x"
done

# --- afterwards --------------------------------------------------------------------

for s in intake rules subsidy notify; do
    check "$s still answers /healthz" svc_healthy "$s"
done
settle
AFTER=$(counts)
check_eq "every table of every schema is still there" "$(cut -d' ' -f1 <<<"$BEFORE")" "$(cut -d' ' -f1 <<<"$AFTER")"
lost=$(LC_ALL=C join <(echo "$BEFORE") <(echo "$AFTER") | awk '$3 < $2 { print $1 ": " $2 " rows before, " $3 " after" }')
check_eq "no table has fewer rows than before" "" "$lost"
echo "# tables: $(wc -l <<<"$AFTER"); grown: $(LC_ALL=C join <(echo "$BEFORE") <(echo "$AFTER") | awk '$3 > $2 { printf "%s ", $1 }')"
lib_finish
