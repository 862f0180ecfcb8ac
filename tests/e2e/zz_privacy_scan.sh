#!/usr/bin/env bash
# No full cert_no or name leaves the suite (docs/architecture.md "Access"): runs last
# (tests/run.sh takes files in name order) and scans every service log written
# by the tests before it, and every webhook and email body the test sinks
# received, for a 20-character certificate number or a test person's name.
. "$(dirname "$0")/../lib.sh"
lib_init
cd "$JIUYE_TEST_TMP" || exit 1
logs=$(find . -name '*.log' -path '*logs/*' \( -name 'intake.*' -o -name 'rules.*' -o -name 'subsidy.*' -o -name 'notify.*' \) | sort)
check "service logs from the earlier tests are there to scan" test -n "$logs"
cert_re='(^|[^0-9])[0-9]{17}[0-9X][1-7][1-4]([^0-9]|$)'
found=$(grep -lE "$cert_re" $logs 2>/dev/null | head -5)
check_eq "no service log line holds a full cert_no" "" "$found"
found=$(grep -lE '张三|李四|王五' $logs 2>/dev/null | head -5)
check_eq "no service log line holds a test person's name" "" "$found"
# What tests/tools/webhook_sink and smtp_sink received (notify_webhooks.sh: hooks, notify_email.sh: mail).
bodies=$(find ./hooks ./mail -type f 2>/dev/null | sort)
if [[ -n "$bodies" ]]; then
  found=$(grep -lE "$cert_re|张三|李四|王五" $bodies 2>/dev/null | head -5)
  check_eq "no webhook or email body holds a full cert_no or name" "" "$found"
else
  ok "no webhook or email bodies in this run (notify tests filtered out)"
fi
lib_finish
