#!/usr/bin/env bash
# Intake under kill -9: the same 10 000-event file sent twice, the
# second time with intake killed halfway, then once more after a restart, leaves exactly
# 10 000 stored events. And the harder order: a first sending killed halfway leaves whole
# requests only (each request of 1 000 is one transaction: all or nothing), and sending
# the file again completes it without doubling anything.
# Only intake runs: its outbox just accumulates (one message per stored event).
. "$(dirname "$0")/../lib.sh"
lib_init
db_reset
export JIUYE_TODAY=2025-06-30
svc_start intake || lib_finish
CTL=$JIUYE_BIN/jiuyectl
T=$JIUYE_TEST_TMP
N=10000
FILE=$T/k9.ndjson

# 10 000 person.registered events with distinct valid cert_no: 320706, birth dates
# 1990-01-01..1990-12-28 (12 x 28 real dates), sequence 000..029, the GB 11643 check
# character, category 4, grade 3. In awk: a bash loop over make_cert_no takes ~20 s.
t0=$EPOCHREALTIME
awk -v n=$N 'BEGIN {
  split("7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2", w, " ")
  checks = "10X98765432"
  for (i = 0; i < n; i++) {
    base = sprintf("3207061990%02d%02d%03d", i % 12 + 1, int(i / 12) % 28 + 1, int(i / 336))
    sum = 0
    for (k = 1; k <= 17; k++) sum += substr(base, k, 1) * w[k]
    printf "{\"event_id\":\"k9-%05d\",\"type\":\"person.registered\",\"occurred_on\":\"2024-01-02\",\"district\":\"320706\",\"payload\":{\"cert_no\":\"%s%s43\",\"name\":\"测试\",\"employment_status\":\"unemployed\",\"wants_job\":true,\"low_income\":false,\"hard_to_employ\":false}}\n", i, base, substr(checks, sum % 11 + 1, 1)
  }
}' > "$FILE"
echo "# generated $N events in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }') s"
certs=$(grep -o '"cert_no":"[0-9X]*"' "$FILE" | cut -d'"' -f4)
check_eq "$N events, $N distinct cert_no" "$N $N" "$(wc -l < "$FILE") $(sort -u <<<"$certs" | wc -l)"
agree=0
for base in 32070619900101000 32070619900925014 32070619900422029; do # events 0, 5000, 9999
  grep -q "\"cert_no\":\"$(make_cert_no "$base" 4 3)\"" "$FILE" && agree=$((agree + 1))
done
check_eq "awk's check characters agree with make_cert_no" "3" "$agree"

rows() { sql "SELECT count(*) FROM intake.events WHERE source = '$1'"; }
received() { # events intake has answered for source $1 since its start
  local v
  v=$(api -s --max-time 1 "http://127.0.0.1:$INTAKE_HTTP_PORT/metrics" |
        grep -F "jiuye_events_received_total{source=\"$1\"} " | awk '{print $2}')
  echo "${v:-0}"
}
# publish_killed SOURCE TOKEN PROGRESS_CMD LIMIT: publish the file in the background, kill -9
# intake as soon as PROGRESS_CMD prints >= LIMIT, restart it. Sets PUB_RC and PUB_OUT.
publish_killed() {
  local src=$1 token=$2 progress=$3 limit=$4 pid i
  "$CTL" publish --token "$token" "$FILE" >"$T/pub-$src.out" 2>"$T/pub-$src.err" &
  pid=$!
  for ((i = 0; i < 1200; i++)); do # 60 s
    (( $($progress "$src") >= limit )) && break
    _lib_alive "$pid" || break
    sleep 0.05
  done
  svc_kill9 intake
  PUB_RC=0
  wait "$pid" || PUB_RC=$?
  PUB_OUT=$(tail -1 "$T/pub-$src.out")
  echo "# killed: publisher exited $PUB_RC: $(head -1 "$T/pub-$src.err"); it printed: $PUB_OUT"
  svc_start intake
}

# --- the file twice, the second time killed halfway, then again ------------------------
TOKEN=$("$CTL" source add k9)
t0=$EPOCHREALTIME
out=$("$CTL" publish --token "$TOKEN" "$FILE")
echo "# first publish of $N events: $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s"
check_eq "first sending: all accepted" "$N accepted, 0 duplicate, 0 rejected" "$(tail -1 <<<"$out")"

publish_killed k9 "$TOKEN" received $((N + N / 2))
check_eq "second sending: cut off by the kill (HTTP error, status 2)" "2" "$PUB_RC"
check "second sending: answered only duplicates before the kill" grep -qE '^0 accepted, [0-9]+ duplicate, 0 rejected$' <<<"$PUB_OUT"
out=$("$CTL" publish --token "$TOKEN" "$FILE")
check_eq "third sending after the restart: all duplicate" "0 accepted, $N duplicate, 0 rejected" "$(tail -1 <<<"$out")"
check_eq "exactly $N events stored, $N distinct event_ids" "$N $N" \
  "$(sql "SELECT count(*) || ' ' || count(DISTINCT event_id) FROM intake.events WHERE source = 'k9'")"

# --- a first sending killed halfway, then the whole file --------------------------------
TOKEN2=$("$CTL" source add k9b)
publish_killed k9b "$TOKEN2" rows $((N / 2))
before=$(rows k9b)
check_eq "first sending: cut off by the kill" "2" "$PUB_RC"
check "the kill landed halfway (0 < stored < $N)" test "$before" -gt 0 -a "$before" -lt $N
check_eq "only whole requests of 1000 were stored (one transaction each)" "0" "$((before % 1000))"
out=$("$CTL" publish --token "$TOKEN2" "$FILE")
check_eq "sending again stores the rest and doubles nothing" \
  "$((N - before)) accepted, $before duplicate, 0 rejected" "$(tail -1 <<<"$out")"
check_eq "exactly $N events stored for it, $N distinct event_ids" "$N $N" \
  "$(sql "SELECT count(*) || ' ' || count(DISTINCT event_id) FROM intake.events WHERE source = 'k9b'")"
check_eq "one outbox message per stored event, none more" "$((2 * N)) $((2 * N))" \
  "$(sql "SELECT (SELECT count(*) FROM intake.outbox) || ' ' || (SELECT count(DISTINCT message_id) FROM intake.outbox)")"
lib_finish
