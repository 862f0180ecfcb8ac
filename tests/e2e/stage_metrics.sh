#!/usr/bin/env bash
# jiuye_stage_seconds on /metrics (common/link.c, common/histogram.c): each
# consumer exposes, per link, a histogram of the time from the producer's outbox insert to
# its own commit (span="delivered", one observation per message that took effect) and of
# its transaction per batch (span="batch"). Checked on the three consumers after a known
# stream went through: the text is a well-formed Prometheus histogram (one TYPE line,
# buckets in increasing le ending with +Inf, cumulative counts, +Inf equal to _count,
# promtool's parser when installed), and "delivered" counts exactly the messages each
# consumer took (its consumed rows), also after the same events were sent again.
. "$(dirname "$0")/../lib.sh"
lib_init
db_reset
export JIUYE_TODAY=2026-06-30
for s in notify subsidy rules intake; do svc_start $s; done

TOKEN=$("$JIUYE_BIN/jiuyectl" source add e2e-stage)
PROV=$(make_credit_code 91320706MA1111110)
F=$JIUYE_TEST_TMP/stage.ndjson
N=12 # persons: each registered, then trained (R01: a decision, an award, a notification)
for ((i = 0; i < N; i++)); do
  cert=$(make_cert_no "$(printf '3207061990%02d07%03d' $((i % 12 + 1)) $((100 + i)))" 4 3)
  printf '{"event_id":"s-reg-%d","type":"person.registered","occurred_on":"2024-01-15","district":"320706","payload":{"cert_no":"%s","name":"张三","employment_status":"employed","wants_job":false}}\n' "$i" "$cert"
  printf '{"event_id":"s-train-%d","type":"training.completed","occurred_on":"2024-05-10","district":"320706","payload":{"cert_no":"%s","provider_code":"%s","course":"vocational","hours":60,"certificate":"level4","cost_fen":180000}}\n' "$i" "$cert" "$PROV"
done > "$F"
out=$("$JIUYE_BIN/jiuyectl" publish --token "$TOKEN" "$F")
check_eq "all $((2 * N)) events accepted" "$((2 * N)) accepted, 0 duplicate, 0 rejected" "$(tail -1 <<<"$out")"
wait_until 30 sql_ge "SELECT count(*) FROM notify.notifications WHERE rule = 'R01'" "$N"
wait_until 30 sql_is "SELECT (SELECT count(*) FROM intake.outbox) + (SELECT count(*) FROM rules.outbox) + (SELECT count(*) FROM subsidy.outbox)" 0

metrics() { api -fsS --max-time 5 "http://127.0.0.1:$(svc_port "$1")/metrics"; }

# well_formed TEXT: prints "ok" or what is wrong with the jiuye_stage_seconds series in TEXT.
well_formed() {
  awk '
    /^# TYPE jiuye_stage_seconds / { types++; if ($4 != "histogram") bad = bad " type=" $4; next }
    /^jiuye_stage_seconds_bucket\{/ {
      match($0, /\{.*\}/); lab = substr($0, RSTART + 1, RLENGTH - 2)
      le = lab; sub(/.*le="/, "", le); sub(/".*/, "", le)
      key = lab; sub(/,?le="[^"]*"/, "", key)
      if (key in last_le && last_le[key] == "+Inf") bad = bad " bucket-after-Inf:" key
      if (key in last_le && le != "+Inf" && le + 0 <= last_le[key] + 0) bad = bad " le-not-increasing:" key
      if (key in last_n && $2 + 0 < last_n[key] + 0) bad = bad " not-cumulative:" key
      last_le[key] = le; last_n[key] = $2; keys[key] = 1
      if (le == "+Inf") inf[key] = $2
      next
    }
    /^jiuye_stage_seconds_count\{/ { match($0, /\{.*\}/); cnt[substr($0, RSTART + 1, RLENGTH - 2)] = $2; next }
    /^jiuye_stage_seconds_sum\{/ { match($0, /\{.*\}/); if ($2 + 0 < 0) bad = bad " negative-sum"; sums++; next }
    END {
      if (types != 1) bad = bad " type-lines=" types
      n = 0
      for (k in keys) {
        n++
        if (!(k in inf)) bad = bad " no-Inf:" k
        else if (!(k in cnt) || cnt[k] != inf[k]) bad = bad " count!=Inf:" k
      }
      if (n == 0 || sums != n) bad = bad " series=" n " sums=" sums
      print bad == "" ? "ok" : "bad:" bad
    }' <<<"$1"
}
# series TEXT LINK SPAN: the _count of that series ("" when absent).
series() { grep -F "jiuye_stage_seconds_count{link=\"$2\",span=\"$3\"} " <<<"$1" | awk '{print $2}'; }

check_pass() {
  local svc link schema text
  for pair in rules:intake-\>rules subsidy:rules-\>subsidy notify:subsidy-\>notify; do
    svc=${pair%%:*} link=${pair#*:} schema=$svc
    text=$(metrics "$svc")
    check_eq "$svc: jiuye_stage_seconds is a well-formed histogram ($1)" "ok" "$(well_formed "$text")"
    check_eq "$svc: span=delivered counts each message $svc took ($link, $1)" \
      "$(sql "SELECT count(*) FROM $schema.consumed")" "$(series "$text" "$link" delivered)"
    local batches
    batches=$(series "$text" "$link" batch)
    check "$svc: span=batch counted at least one batch, at most one per message ($batches, $1)" \
      test "${batches:-0}" -ge 1 -a "${batches:-0}" -le "$(sql "SELECT count(*) FROM $schema.consumed")"
    if command -v promtool >/dev/null; then
      # promtool lints as well as parses; only its parse errors concern this format
      local lint
      lint=$(grep -E '^(# (HELP|TYPE) )?jiuye_stage_seconds' <<<"$text" | promtool check metrics 2>&1 || true)
      check_eq "$svc: promtool parses the histogram ($1)" "" "$(grep -iE 'error|parse' <<<"$lint")"
    fi
  done
}

check_eq "intake->rules carried the $((2 * N)) events" "$((2 * N))" "$(sql "SELECT count(*) FROM rules.consumed")"
check_eq "rules->subsidy carried one message per R01 decision" "$N" "$(sql "SELECT count(*) FROM subsidy.consumed")"
check_pass "first pass"
check "every buckets' le is one of the conventional bounds" \
  test "$(metrics rules | grep -o 'le="[^"]*"' | sort -u | tr '\n' ' ')" == \
  'le="+Inf" le="0.001" le="0.0025" le="0.005" le="0.01" le="0.025" le="0.05" le="0.1" le="0.25" le="0.5" le="1" le="10" le="2.5" le="5" '

# The same events again: intake answers duplicate and forwards nothing, so no stage counts more.
out=$("$JIUYE_BIN/jiuyectl" publish --token "$TOKEN" "$F")
check_eq "the same events again are duplicates" "0 accepted, $((2 * N)) duplicate, 0 rejected" "$(tail -1 <<<"$out")"
check_pass "after the duplicates"
check_eq "intake->rules still counts $((2 * N))" "$((2 * N))" "$(series "$(metrics rules)" "intake->rules" delivered)"
lib_finish
