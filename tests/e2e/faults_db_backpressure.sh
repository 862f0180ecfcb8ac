#!/usr/bin/env bash
# Faults that are not crashes. PostgreSQL unreachable: every
# /readyz says not ready, intake answers 503 instead of accepting what it
# cannot store, the services retry and recover by themselves. Backpressure:
# with notify down, intake keeps accepting and storing, the backlog shows per
# link in /metrics, memory stays bounded, and everything arrives afterwards.
. "$(dirname "$0")/../lib.sh"
lib_init
db_reset
export JIUYE_TODAY=2025-06-30 JIUYE_ACK_TIMEOUT_MS=1000
TOP=$(cd "$(dirname "$0")/../.." && pwd)
for s in notify subsidy rules intake; do svc_start $s; done
TOKEN=$("$JIUYE_BIN/jiuyectl" source add faults)
PROV=$(make_credit_code 91320706MA1111110)
events() { # events PREFIX COUNT -> file of registrations + trainings
  local f=$JIUYE_TEST_TMP/$1.ndjson i c
  : > "$f"
  for ((i = 0; i < $2; i++)); do
    c=$(make_cert_no "3207061990$(printf '%02d%02d' $((i % 12 + 1)) $((i / 12 % 28 + 1)))$(printf '%02d' $((i / 336)))1" 4 3)
    printf '{"event_id":"%s-r%d","type":"person.registered","occurred_on":"2024-01-02","district":"320706","payload":{"cert_no":"%s","name":"测试","employment_status":"employed","wants_job":false}}\n' "$1" "$i" "$c"
    printf '{"event_id":"%s-t%d","type":"training.completed","occurred_on":"2024-05-10","district":"320706","payload":{"cert_no":"%s","provider_code":"%s","course":"vocational","hours":60,"certificate":"level5","cost_fen":150000}}\n' "$1" "$i" "$c" "$PROV"
  done >> "$f"
  echo "$f"
}
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

# --- PostgreSQL down ----------------------------------------------------------
"$TOP/ops/pg-local.sh" stop >/dev/null
for s in intake rules subsidy notify; do
  check_eq "$s /readyz: 503 while PostgreSQL is down" "503" "$(code "http://127.0.0.1:$(svc_port $s)/readyz")"
  check_eq "$s /healthz: still alive" "200" "$(code "http://127.0.0.1:$(svc_port $s)/healthz")"
done
F=$(events down 5)
check_eq "intake answers 503, accepting nothing it cannot store" "503" \
  "$(code -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/x-ndjson' --data-binary @"$F" "http://127.0.0.1:$INTAKE_HTTP_PORT/v1/events")"
sleep 2
"$TOP/ops/pg-local.sh" start >/dev/null
for s in intake rules subsidy notify; do
  wait_until 30 output_is 200 code "http://127.0.0.1:$(svc_port $s)/readyz"
done
for s in intake rules subsidy notify; do
  check_eq "$s /readyz: ready again without a restart" "200" "$(code "http://127.0.0.1:$(svc_port $s)/readyz")"
done
out=$("$JIUYE_BIN/jiuyectl" publish --token "$TOKEN" "$F" | tail -1)
check_eq "the same events accepted once the database is back" "10 accepted, 0 duplicate, 0 rejected" "$out"
wait_until 30 sql_is "SELECT count(*) FROM notify.notifications WHERE event_id LIKE 'down-%'" 5
check_eq "and they go all the way through" "5" "$(sql "SELECT count(*) FROM notify.notifications WHERE event_id LIKE 'down-%'")"

# --- notify down for a while: backpressure ------------------------------------
svc_stop notify
N=1500
F=$(events bp $N)
out=$("$JIUYE_BIN/jiuyectl" publish --token "$TOKEN" "$F" | tail -1)
check_eq "intake keeps accepting with notify down" "$((2 * N)) accepted, 0 duplicate, 0 rejected" "$out"
wait_until 90 sql_ge "SELECT count(*) FROM subsidy.outbox" "$N"   # one Settled message per training
backlog=$(api -fsS "http://127.0.0.1:$SUBSIDY_HTTP_PORT/metrics" | sed -n 's/^jiuye_link_backlog{link="subsidy->notify"} //p')
check "subsidy's /metrics shows the backlog toward notify" test "${backlog:-0}" -ge "$N"
inflight=$(api -fsS "http://127.0.0.1:$SUBSIDY_HTTP_PORT/metrics" | sed -n 's/^jiuye_link_inflight{link="subsidy->notify"} //p')
check "at most a window (1000) of it is held in memory" test "${inflight:-missing}" -le 1000
rss=$(awk '/VmRSS/ {print $2}' "/proc/$(svc_pid subsidy)/status")
check "subsidy's memory stays bounded (RSS ${rss} kB < 256 MiB, sanitizers included)" test "$rss" -lt 262144
svc_start notify
wait_until 120 sql_is "SELECT count(*) FROM subsidy.outbox" 0
check_eq "the backlog drains when notify is back" "0" "$(sql "SELECT count(*) FROM subsidy.outbox")"
check_eq "every award of the backlog notified, once" "$N $N" \
  "$(sql "SELECT count(*) || ' ' || count(DISTINCT ref_id) FROM notify.notifications WHERE event_id LIKE 'bp-t%'")"
lib_finish
