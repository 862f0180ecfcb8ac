#!/usr/bin/env bash
# No full cert_no or name leaves the suite (docs/architecture.md, "Access": logs never hold
# a full cert_no or name, whatever leaves the suite masks them). Runs last (tests/run.sh
# takes files in name order) and looks, with tests/tools/pii_scan, for any identity number
# (18 characters with a valid GB 11643 check character and a real birth date, anyone's) and
# for the names and numbers of every person the run published (lib.sh collects them from
# intake.events before each db_reset and when each script exits) in:
#   - every service log of the tests before it and of this one,
#   - every notification they made (lib.sh keeps their text), the webhook and email bodies
#     the sinks received and the SSE streams the tests kept,
#   - the HTTP answers that leave the suite: the inbox, its stream, the staff console's
#     inbox, the public vacancy feed (JSON and Atom), for the sample events
#     (ops/samples/demo.ndjson) and a vacancy that this script publishes itself, so that it
#     has something to scan when it runs alone.
. "$(dirname "$0")/../lib.sh"
lib_init
db_reset
export JIUYE_TODAY=2026-06-30
CTL=$JIUYE_BIN/jiuyectl
SCAN=$JIUYE_BIN/../tests/tools/pii_scan
PUB=$JIUYE_TEST_TMP/published
OUT=$JIUYE_TEST_TMP/privacy
mkdir -p "$PUB" "$OUT"

# --- the scanner finds what it must (else every "nothing found" below proves nothing) ---
P=$(make_cert_no 32070619900307123 4 3)
U=$(make_cert_no 32072219880808456 4 2) # never published: found by its check character
printf '赵六\n' >"$OUT/names.self"
printf '%s\n' "$P" >"$OUT/ids.self"
printf 'a %s b\nc %s\nd x%sy\n名字 赵六\nmasked 3207**********123443 赵*\n' "$U" "${U:0:18}" "$P" >"$OUT/self.txt"
out=$("$SCAN" "$OUT/names.self" "$OUT/ids.self" "$OUT/self.txt") && rc=0 || rc=$?
check_eq "pii_scan finds a cert_no, a bare ID, a published ID glued to text and a name (not the masked ones)" \
    "1 self.txt:1 self.txt:2 self.txt:3 self.txt:4" "$rc $(sed -E 's|^.*/||; s|^([^:]+:[0-9]+):.*|\1|' <<<"$out" | sort -u | paste -sd' ')"
check "pii_scan does not print what it found" bash -c '! grep -qE "$1|${2:0:18}|赵六" <<<"$3"' _ "$U" "$P" "$out"

# --- publish the samples and reach what leaves the suite ----------------------------------
for s in notify subsidy rules intake; do svc_start "$s" || lib_finish; done
TOKEN=$("$CTL" source add privacy)
F=$JIUYE_TEST_TMP/privacy.ndjson
cp ops/samples/demo.ndjson "$F"
EMP=$(make_credit_code 91320706MA2222220)
printf '{"event_id":"pv-reg","type":"person.registered","occurred_on":"2025-01-02","district":"320706","payload":{"cert_no":"%s","name":"赵六","employment_status":"unemployed","wants_job":true}}\n' "$P" >>"$F"
printf '{"event_id":"pv-vac","type":"vacancy.posted","occurred_on":"2025-03-04","district":"320706","payload":{"vacancy_id":"v-pv","employer_code":"%s","title":"客服","positions":1,"categories":[4],"max_severity":1,"monthly_wage_fen":300000,"open_until":"2025-12-31"}}\n' "$EMP" >>"$F"
total=$(grep -c . "$F")
check_eq "the samples accepted" "$total accepted, 0 duplicate, 0 rejected" "$("$CTL" publish --token "$TOKEN" "$F" | tail -1)"
wait_until 60 sql_ge "SELECT count(*) FROM notify.notifications WHERE event_id LIKE 'demo-train-%'" 7 ||
    not_ok "the samples' trainings notified" "$(sql "SELECT count(*) FROM notify.notifications")"
URL=http://127.0.0.1:$NOTIFY_HTTP_PORT
STAFF=$(token_for staff 320706 cdpf)
OP=$(token_for operator)
fetch() { # fetch NAME CURL-ARGS...: an answer into $OUT/NAME, its status checked
    local code
    code=$(curl -sS -o "$OUT/$1" -w '%{http_code}' "${@:2}") || true
    check_eq "$1: 200" 200 "$code"
}
fetch inbox.json -H "Authorization: Bearer $OP" "$URL/v1/notifications?limit=100"
fetch console-inbox.json -H "Authorization: Bearer $STAFF" "$URL/v1/console/notifications"
fetch vacancies.json "http://127.0.0.1:$RULES_HTTP_PORT/v1/vacancies"
fetch vacancies.atom -H 'Accept: application/atom+xml' "http://127.0.0.1:$RULES_HTTP_PORT/v1/vacancies?format=atom"
# The stream sends its backlog, then stays open: curl's --max-time ends it (status 28).
curl -sN --max-time 2 -H "Authorization: Bearer $OP" "$URL/v1/notifications/stream" >"$OUT/stream.txt" 2>/dev/null
check "the stream sent the backlog" grep -q '^event: notification$' "$OUT/stream.txt"
check "the inbox holds the samples' notifications" grep -q 'demo-train-1' "$OUT/inbox.json"
svc_stop_all

# --- scan -----------------------------------------------------------------------------------
lib_collect_published
jq -r '.payload.name // empty' ops/samples/demo.ndjson >>"$PUB/names"
jq -r '.payload.cert_no // empty' ops/samples/demo.ndjson >>"$PUB/ids"
sort -u -o "$PUB/names" "$PUB/names"
sort -u -o "$PUB/ids" "$PUB/ids"
check "the names of the published persons are known (the samples' 张三 among them)" grep -qx '张三' "$PUB/names"
check "their cert_nos too" grep -qx "$P" "$PUB/ids"
echo "# $(wc -l <"$PUB/names") names, $(wc -l <"$PUB/ids") cert_nos published in this run"
scan() { # scan NAME FILE...: nothing found, or the findings (masked) as the detail
    local name=$1 out rc=0
    shift
    out=$("$SCAN" "$PUB/names" "$PUB/ids" "$@" 2>&1) || rc=$?
    if ((rc == 0)); then ok "$name"; else not_ok "$name" "$(head -20 <<<"$out")"; fi
}
cd "$JIUYE_TEST_TMP" || exit 1
mapfile -t logs < <(find logs -name '*.log' \( -name 'intake.*' -o -name 'rules.*' -o -name 'subsidy.*' -o -name 'notify.*' \) | sort)
check "service logs to scan (this script's four at least)" test "${#logs[@]}" -ge 4
scan "no service log holds a full cert_no or a published person's name (${#logs[@]} logs)" "${logs[@]}"
check "notifications to scan" test -s published/notifications.txt
scan "no notification holds a full cert_no or a published person's name" published/notifications.txt
mapfile -t answers < <(find privacy -type f ! -name '*.self' ! -name self.txt | sort)
scan "no inbox, stream or feed answer holds a full cert_no or a published person's name (${#answers[@]} answers)" "${answers[@]}"
mapfile -t bodies < <(find hooks mail -type f 2>/dev/null | sort; find . -maxdepth 1 -name 'stream*.txt' | sort)
if ((${#bodies[@]})); then
    scan "no webhook or email body or kept stream holds a full cert_no or a published person's name (${#bodies[@]} files)" "${bodies[@]}"
else
    ok "no webhook or email bodies or kept streams in this run (those tests filtered out)"
fi
lib_finish
