#!/usr/bin/env bash
# Nothing lost, nothing doubled under faults. The same stream of
# mixed events runs twice: once quietly, once while each service in turn is
# killed with kill -9 and restarted, PostgreSQL is restarted, and notify is
# stopped for a while. Afterwards the final decisions, the awards and the
# notifications must match the quiet run exactly, counted with SQL.
#
#   make test: CHAOS_EVENTS=2000, notify paused 5 s     make chaos: 20 000 events, 60 s
. "$(dirname "$0")/../lib.sh"
lib_init
N=${CHAOS_EVENTS:-2000}
PAUSE=${CHAOS_CONSUMER_PAUSE:-5}
CHUNK=${CHAOS_CHUNK:-500}
export JIUYE_TODAY=2025-06-30 JIUYE_ACK_TIMEOUT_MS=1000
TOP=$(cd "$(dirname "$0")/../.." && pwd)
EVENTS=$JIUYE_TEST_TMP/chaos.ndjson

# Mixed events: per person a registration, two trainings, and every third a
# public-welfare post, every fifth a business; cert_no check digits in awk.
awk -v n="$N" -v prov="$(make_credit_code 91320706MA1111110)" -v emp="$(make_credit_code 91320706MA2222220)" \
    -v biz="$(make_credit_code 92320706MA4444440)" '
function cert(i,   base, w, s, k) {
    base = sprintf("320706%04d%02d%02d%03d", 1970 + i % 30, i % 12 + 1, i % 28 + 1, int(i / 10080) * 100 + i % 100)
    split("7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2", w, " ")
    s = 0
    for (k = 1; k <= 17; k++) s += substr(base, k, 1) * w[k]
    return base substr("10X98765432", s % 11 + 1, 1) "43"
}
BEGIN {
    certs[""] = ""; made = 0
    split("none special level5 level4 level3", lv, " ")
    for (i = 0; made < n; i++) {
        c = cert(i)
        if (c in certs) continue
        certs[c] = 1
        printf "{\"event_id\":\"reg-%d\",\"type\":\"person.registered\",\"occurred_on\":\"2024-01-02\",\"district\":\"320706\",\"payload\":{\"cert_no\":\"%s\",\"name\":\"测试\",\"employment_status\":\"employed\",\"wants_job\":false}}\n", i, c; made++
        for (t = 1; t <= 2 && made < n; t++) {
            printf "{\"event_id\":\"tr-%d-%d\",\"type\":\"training.completed\",\"occurred_on\":\"2024-0%d-10\",\"district\":\"320706\",\"payload\":{\"cert_no\":\"%s\",\"provider_code\":\"%s\",\"course\":\"vocational\",\"hours\":%d,\"certificate\":\"%s\",\"cost_fen\":%d}}\n", i, t, t + 2, c, prov, 30 + (i * 7 + t) % 40, lv[(i + t) % 5 + 1], 50000 + (i % 9) * 25000; made++
        }
        if (i % 3 == 0 && made < n) { printf "{\"event_id\":\"pw-%d\",\"type\":\"employment.started\",\"occurred_on\":\"2024-03-01\",\"district\":\"320706\",\"payload\":{\"cert_no\":\"%s\",\"employer_code\":\"%s\",\"channel\":\"public_welfare_post\",\"contract_months\":%d,\"monthly_wage_fen\":230000,\"social_insurance\":true}}\n", i, c, emp, 6 + i % 30; made++ }
        if (i % 5 == 0 && made < n) { printf "{\"event_id\":\"bz-%d\",\"type\":\"business.started\",\"occurred_on\":\"2024-04-01\",\"district\":\"320706\",\"payload\":{\"cert_no\":\"%s\",\"business_code\":\"%s\",\"kind\":\"individual\"}}\n", i, c, biz; made++ }
    }
}' > "$EVENTS"
check_eq "$N events generated" "$N" "$(grep -c . "$EVENTS")"
split -l "$CHUNK" -d -a 3 "$EVENTS" "$JIUYE_TEST_TMP/chunk-"
chunks=("$JIUYE_TEST_TMP"/chunk-*)

# Publish one chunk until intake has taken every event (503s and a killed intake are retried).
publish() {
  local tries=0 out
  while ((tries < 60)); do
    out=$("$JIUYE_BIN/jiuyectl" publish --token "$TOKEN" "$1" 2>/dev/null | tail -1)
    [[ "$out" =~ ^([0-9]+)\ accepted,\ ([0-9]+)\ duplicate,\ 0\ rejected$ ]] &&
      ((BASH_REMATCH[1] + BASH_REMATCH[2] == $(grep -c . "$1"))) && return 0
    tries=$((tries + 1)); sleep 1
  done
  not_ok "publish $(basename "$1")" "intake never took it: $out"
}
settled() {
  [[ "$(sql "SELECT (SELECT count(*) FROM intake.outbox) + (SELECT count(*) FROM rules.outbox) + (SELECT count(*) FROM subsidy.outbox)")" == 0 ]] &&
  [[ "$(sql "SELECT count(*) FROM rules.consumed")" == "$(sql "SELECT count(*) FROM intake.events")" ]]
}
final="FROM rules.decisions d WHERE NOT EXISTS (SELECT 1 FROM rules.decisions c WHERE c.body->>'corrects_decision_id' = d.decision_id)"
counts() {
  sql "SELECT 'events ' || count(*) FROM intake.events" \
      "SELECT 'decision ' || rule || ' ' || outcome || ' ' || count(*) $final GROUP BY rule, outcome ORDER BY 1" \
      "SELECT 'award ' || program || ' ' || status || ' ' || count(*) || ' ' || sum(amount_fen) FROM subsidy.awards GROUP BY program, status ORDER BY 1" \
      "SELECT 'notifications ' || count(*) FROM notify.notifications n WHERE n.kind = 'award' OR n.ref_id IN (SELECT decision_id $final)" \
      "SELECT 'dead letters ' || ((SELECT count(*) FROM rules.dead_letters) + (SELECT count(*) FROM subsidy.dead_letters) + (SELECT count(*) FROM notify.dead_letters))"
}

# --- the quiet run ------------------------------------------------------------
db_reset
for s in notify subsidy rules intake; do svc_start $s; done
TOKEN=$("$JIUYE_BIN/jiuyectl" source add chaos)
for c in "${chunks[@]}"; do publish "$c"; done
wait_until 600 settled; sleep 2; wait_until 120 settled
counts > "$JIUYE_TEST_TMP/quiet.counts"
for s in intake rules subsidy notify; do svc_stop $s; done

# --- the same with faults -----------------------------------------------------
db_reset
for s in notify subsidy rules intake; do svc_start $s; done
TOKEN=$("$JIUYE_BIN/jiuyectl" source add chaos)
faults=(rules subsidy notify intake postgres pause)
i=0
for c in "${chunks[@]}"; do
  fault=${faults[$((i % ${#faults[@]}))]}
  i=$((i + 1))
  case $fault in
    intake)   # killed in the middle of a request: the publisher retries what it was not told
      "$JIUYE_BIN/jiuyectl" publish --token "$TOKEN" "$c" >/dev/null 2>&1 &
      sleep 0.$((RANDOM % 5)); svc_kill9 intake; wait $! 2>/dev/null; svc_start intake; publish "$c" ;;
    postgres) publish "$c"; sleep 0.$((RANDOM % 5))
      "$TOP/ops/pg-local.sh" stop >/dev/null; sleep 1; "$TOP/ops/pg-local.sh" start >/dev/null ;;
    pause)    svc_stop notify; publish "$c"; sleep "$PAUSE"; svc_start notify ;;
    *)        publish "$c"; sleep 0.$((RANDOM % 5)); svc_kill9 "$fault"; sleep 0.5; svc_start "$fault" ;;
  esac
  echo "# chunk $(basename "$c"): $fault"
done
wait_until 900 settled; sleep 2; wait_until 120 settled
counts > "$JIUYE_TEST_TMP/chaos.counts"
echo "# compared counts (quiet run | run with faults):"
paste -d'|' "$JIUYE_TEST_TMP/quiet.counts" "$JIUYE_TEST_TMP/chaos.counts" | sed 's/^/#   /'
check "the quiet run took every event" grep -qx "events $N" "$JIUYE_TEST_TMP/quiet.counts"
check_eq "under faults: the same events, final decisions, awards (count and fen) and notifications" \
  "$(cat "$JIUYE_TEST_TMP/quiet.counts")" "$(cat "$JIUYE_TEST_TMP/chaos.counts")"
check "no dead letters" grep -qx "dead letters 0" "$JIUYE_TEST_TMP/chaos.counts"
lib_finish
