#!/usr/bin/env bash
# Nothing lost, nothing doubled (docs/architecture.md "Delivery"): 1 000 training
# events are published while the rules service is killed with kill -9 and
# restarted (twice), and subsidy and notify once each; afterwards every event
# has exactly one final decision and one award, and staff one notification of
# each award (and of each decision left without one), none twice.
. "$(dirname "$0")/../lib.sh"
lib_init
db_reset
export JIUYE_TODAY=2025-06-30 JIUYE_ACK_TIMEOUT_MS=1000
for s in notify subsidy rules intake; do svc_start $s; done
TOKEN=$("$JIUYE_BIN/jiuyectl" source add e2e-kill)
PROV=$(make_credit_code 91320706MA1111110)
N=1000
REG=$JIUYE_TEST_TMP/reg.ndjson
: > "$REG"
# Birth dates 1990-01-01..1990-12-28 (month 01-12, day 01-28) keep every ID real.
for i in $(seq 0 $((N - 1))); do
  m=$(( i % 12 + 1 )); d=$(( (i / 12) % 28 + 1 ))
  certs[$i]=$(make_cert_no "3207061990$(printf '%02d%02d%03d' $m $d $((i / 336)))" 4 3)
done
printf '%s\n' "${certs[@]}" | sort | uniq -d > "$JIUYE_TEST_TMP/dups"
check_eq "1000 distinct cert_no generated" "0" "$(wc -l < "$JIUYE_TEST_TMP/dups")"
for i in $(seq 0 $((N - 1))); do
  printf '{"event_id":"reg-%d","type":"person.registered","occurred_on":"2024-01-02","district":"320706","payload":{"cert_no":"%s","name":"测试","employment_status":"employed","wants_job":false}}\n' $i "${certs[$i]}"
done >> "$REG"
out=$("$JIUYE_BIN/jiuyectl" publish --token "$TOKEN" "$REG")
check_eq "registrations accepted" "$N accepted, 0 duplicate, 0 rejected" "$(tail -1 <<<"$out")"

# Ten requests of 100 trainings; the kills land between and during them.
for c in $(seq 0 9); do
  f=$JIUYE_TEST_TMP/train-$c.ndjson
  for i in $(seq $((c * 100)) $((c * 100 + 99))); do
    printf '{"event_id":"train-%d","type":"training.completed","occurred_on":"2024-05-10","district":"320706","payload":{"cert_no":"%s","provider_code":"%s","course":"vocational","hours":60,"certificate":"level4","cost_fen":180000}}\n' $i "${certs[$i]}" "$PROV"
  done > "$f"
done
accepted=0
publish_chunk() {
  local r
  r=$("$JIUYE_BIN/jiuyectl" publish --token "$TOKEN" "$JIUYE_TEST_TMP/train-$1.ndjson" | tail -1)
  accepted=$((accepted + ${r%% accepted*}))
}
publish_chunk 0; publish_chunk 1
svc_kill9 rules
publish_chunk 2; publish_chunk 3          # stored by intake while rules is dead
svc_start rules
publish_chunk 4
sleep 0.3; svc_kill9 rules                # likely in the middle of a batch
svc_start rules
publish_chunk 5
svc_kill9 subsidy
publish_chunk 6
svc_start subsidy
publish_chunk 7
svc_kill9 notify
publish_chunk 8
svc_start notify
publish_chunk 9
check_eq "intake accepted all $N trainings" "$N" "$accepted"

# What staff get (services/notify/notice.c): one notification per award, and one per
# decision that has no award (here: a `pending` one, see below).
unawarded="FROM rules.decisions d WHERE rule = 'R01' AND NOT EXISTS (SELECT 1 FROM subsidy.awards a WHERE a.decision_id = d.decision_id)"
# Settled: every training has its final decision and its award, and notify has
# as many notifications as that.
settled() {
  sql_is "SELECT count(*) FROM subsidy.awards" "$N" &&
  sql_is "SELECT count(*) FROM rules.decisions WHERE rule = 'R01' AND outcome <> 'pending'" "$N" &&
  sql_is "SELECT count(*) FROM notify.notifications" "$(sql "SELECT $N + count(*) $unawarded")"
}
wait_until 180 settled
# A restart can let a training overtake its person's registration (the links
# guarantee delivery, not order): its first decision is then `pending` and a
# second one, after the registration, corrects it. The final decisions count.
final="FROM rules.decisions d WHERE rule = 'R01' AND NOT EXISTS
       (SELECT 1 FROM rules.decisions c WHERE c.body->>'corrects_decision_id' = d.decision_id)"
check_eq "one final R01 decision per training event" "$N $N" "$(sql "SELECT count(*) || ' ' || count(DISTINCT event_id) $final")"
check_eq "every final decision eligible" "$N" "$(sql "SELECT count(*) $final AND outcome = 'eligible'")"
check_eq "any earlier decision was pending" "0" "$(sql "SELECT count(*) FROM rules.decisions WHERE rule = 'R01' AND outcome NOT IN ('eligible', 'pending')")"
check_eq "one award per decision" "$N $N" "$(sql "SELECT count(*) || ' ' || count(DISTINCT decision_id) FROM subsidy.awards")"
check_eq "every award 1500 yuan" "$((N * 150000))" "$(sql "SELECT sum(amount_fen) FROM subsidy.awards WHERE status = 'granted'")"
sleep 1
check_eq "a notification for every event" "$N" "$(sql "SELECT count(DISTINCT event_id) FROM notify.notifications")"
check_eq "one award notification per award, none else" "$N 0" \
  "$(sql "SELECT count(*) || ' ' || count(*) FILTER (WHERE a.award_id IS NULL) FROM notify.notifications n LEFT JOIN subsidy.awards a ON a.award_id = n.ref_id WHERE n.kind = 'award'")"
check_eq "one decision notification per decision without an award, none else" "$(sql "SELECT count(*) $unawarded") 0" \
  "$(sql "SELECT count(*) || ' ' || count(*) FILTER (WHERE n.ref_id NOT IN (SELECT decision_id $unawarded)) FROM notify.notifications n WHERE n.kind = 'decision'")"
# A decision reaches each of its audiences once: by its award's notification or by its own.
check_eq "no (decision, audience) notified twice" "" \
  "$(sql "SELECT coalesce(a.decision_id, n.ref_id) || ' to ' || aud || ': ' || count(*)
            FROM notify.notifications n LEFT JOIN subsidy.awards a ON n.kind = 'award' AND a.award_id = n.ref_id
            CROSS JOIN unnest(n.audience) AS aud GROUP BY coalesce(a.decision_id, n.ref_id), aud HAVING count(*) > 1 LIMIT 5")"
check_eq "no dead letters" "0" "$(sql "SELECT (SELECT count(*) FROM rules.dead_letters) + (SELECT count(*) FROM subsidy.dead_letters) + (SELECT count(*) FROM notify.dead_letters)")"
wait_until 20 sql_is "SELECT (SELECT count(*) FROM intake.outbox) + (SELECT count(*) FROM rules.outbox) + (SELECT count(*) FROM subsidy.outbox)" 0
check_eq "every outbox drained" "0" "$(sql "SELECT (SELECT count(*) FROM intake.outbox) + (SELECT count(*) FROM rules.outbox) + (SELECT count(*) FROM subsidy.outbox)")"
lib_finish
