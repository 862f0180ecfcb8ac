#!/usr/bin/env bash
# ops/prometheus.yml and ops/alerts.yml. With promtool (Debian package
# `prometheus`, in ops/install-deps.sh): `promtool check config` and `check rules`, and
# `promtool test rules` feeding each alert the series that must fire it (and one that
# must not). Without promtool (or JIUYE_NO_PROMTOOL=1): the YAML structure, by python3's
# yaml when present, else by grep. Then against the running services: every metric an
# alert uses is on some /metrics, the scrape targets are the four services' ports, and
# jiuye_dead_letters{service} counts the rows of <schema>.dead_letters at scrape time.
. "$(dirname "$0")/../lib.sh"
lib_init
db_reset
OPS=$(cd "$(dirname "$0")/../../ops" && pwd)
CONF=$OPS/prometheus.yml
RULES=$OPS/alerts.yml
ALERTS="JiuyeServiceDown JiuyeLinkBacklogGrowing JiuyeDeliveriesFailed JiuyePolicyReloadRefused JiuyeDeadLetters"

if command -v promtool >/dev/null && [[ "${JIUYE_NO_PROMTOOL:-0}" != 1 ]]; then
    echo "# $(promtool --version 2>&1 | head -1)"
    # promtool wants the token file prometheus.yml names (beside it): a copy with one
    PROM=$JIUYE_TEST_TMP/prom
    mkdir -p "$PROM" && cp "$CONF" "$RULES" "$PROM/" && echo "jy_$(printf '%064d' 0)" >"$PROM/metrics_token"
    check "promtool check config ops/prometheus.yml (and the rule file it loads)" promtool check config "$PROM/prometheus.yml"
    check "promtool check rules ops/alerts.yml" promtool check rules "$RULES"
    T=$JIUYE_TEST_TMP/alerts_test.yml
    cat >"$T" <<EOF
rule_files: ["$RULES"]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'up{job="jiuye",instance="rules:8081"}'
        values: '1 1 0 0 0 0'
      - series: 'up{job="jiuye",instance="intake:8080"}'
        values: '1 1 1 1 1 1'
    alert_rule_test:
      - {eval_time: 3m, alertname: JiuyeServiceDown, exp_alerts: []}
      - eval_time: 5m
        alertname: JiuyeServiceDown
        exp_alerts:
          - exp_labels: {severity: critical, job: jiuye, instance: "rules:8081"}
            exp_annotations:
              summary: "jiuye service rules:8081 is down"
              description: "/metrics of rules:8081 has not answered for 2 minutes. Messages for it wait in its producer's outbox (nothing is lost); intake down means upstream systems get connection errors. docs/operations.md \"Alerts: JiuyeServiceDown\"."
  - interval: 1m
    input_series:
      # grows by 100 a minute from 500: over 1000 from minute 6, alert 15 minutes later
      - series: 'jiuye_link_backlog{link="rules->subsidy",instance="rules:8081",job="jiuye"}'
        values: '500+100x40'
      # large but draining: never
      - series: 'jiuye_link_backlog{link="intake->rules",instance="intake:8080",job="jiuye"}'
        values: '5000-10x40'
      # growing but small: never
      - series: 'jiuye_link_backlog{link="subsidy->notify",instance="subsidy:8082",job="jiuye"}'
        values: '0+10x40'
    alert_rule_test:
      - {eval_time: 20m, alertname: JiuyeLinkBacklogGrowing, exp_alerts: []}  # over 1000 since 6m: not yet 15m
      - eval_time: 25m
        alertname: JiuyeLinkBacklogGrowing
        exp_alerts:
          - exp_labels: {severity: warning, link: "rules->subsidy", instance: "rules:8081", job: jiuye}
            exp_annotations:
              summary: "link rules->subsidy backlog is 3000 and growing"
              description: "The outbox of link rules->subsidy has held more than 1000 messages and grown for 15 minutes: its consumer is down, stuck or slower than its producer. docs/operations.md \"Alerts: JiuyeLinkBacklogGrowing\"."
  - interval: 1m
    input_series:
      - series: 'jiuye_deliveries_total{channel="webhook",status="failed",instance="notify:8083",job="jiuye"}'
        values: '2 2 2 2 3 3 3'
      - series: 'jiuye_deliveries_total{channel="email",status="failed",instance="notify:8083",job="jiuye"}'
        values: '1 1 1 1 1 1 1'
      - series: 'jiuye_deliveries_total{channel="webhook",status="sent",instance="notify:8083",job="jiuye"}'
        values: '0+5x6'
    alert_rule_test:
      - {eval_time: 3m, alertname: JiuyeDeliveriesFailed, exp_alerts: []}
      - eval_time: 5m
        alertname: JiuyeDeliveriesFailed
        exp_alerts:
          - exp_labels: {severity: warning, channel: webhook, status: failed, instance: "notify:8083", job: jiuye}
            exp_annotations:
              summary: "webhook deliveries failed on notify:8083 in the last 15 minutes"
              description: "Notifications that could not be delivered by webhook after every attempt (or at once, on a 4xx). Staff still see them in the inbox. docs/operations.md \"Alerts: JiuyeDeliveriesFailed\"."
  - interval: 1m
    input_series:
      - series: 'jiuye_policy_reloads_total{result="refused",instance="rules:8081",job="jiuye"}'
        values: '0 0 0 1 1 1'
      - series: 'jiuye_policy_reloads_total{result="ok",instance="rules:8081",job="jiuye"}'
        values: '0 1 1 1 2 2'
    alert_rule_test:
      - {eval_time: 2m, alertname: JiuyePolicyReloadRefused, exp_alerts: []}
      - eval_time: 4m
        alertname: JiuyePolicyReloadRefused
        exp_alerts:
          - exp_labels: {severity: warning, result: refused, instance: "rules:8081", job: jiuye}
            exp_annotations:
              summary: "rules:8081 refused a plan-file reload"
              description: "A SIGHUP found an invalid file in the policy directory; the plans loaded before stay in force, so the edit is NOT in effect. docs/operations.md \"Alerts: JiuyePolicyReloadRefused\"."
  - interval: 1m
    input_series:
      - series: 'jiuye_dead_letters{service="subsidy",instance="subsidy:8082",job="jiuye"}'
        values: '0 0 2'
      - series: 'jiuye_dead_letters{service="rules",instance="rules:8081",job="jiuye"}'
        values: '0 0 0'
    alert_rule_test:
      - {eval_time: 1m, alertname: JiuyeDeadLetters, exp_alerts: []}
      - eval_time: 2m
        alertname: JiuyeDeadLetters
        exp_alerts:
          - exp_labels: {severity: critical, service: subsidy, instance: "subsidy:8082", job: jiuye}
            exp_annotations:
              summary: "2 dead letters in subsidy.dead_letters"
              description: "Messages subsidy could never process; the events behind them have no effect downstream until fixed and replayed. docs/operations.md \"Alerts: JiuyeDeadLetters\"."
EOF
    check "promtool test rules: each alert fires on its series, and only then" promtool test rules "$T"
elif python3 -c 'import yaml' 2>/dev/null; then
    echo "# no promtool: checking the YAML structure with python3"
    check "ops/prometheus.yml: scrape job jiuye with the four services, loads alerts.yml" python3 - "$CONF" <<'EOF'
import sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
assert c["rule_files"] == ["alerts.yml"], c["rule_files"]
jobs = {j["job_name"]: j for j in c["scrape_configs"]}
targets = [t for s in jobs["jiuye"]["static_configs"] for t in s["targets"]]
assert sorted(targets) == ["intake:8080", "notify:8083", "rules:8081", "subsidy:8082"], targets
EOF
    check "ops/alerts.yml: one group, every rule with alert, expr, severity and summary" python3 - "$RULES" $ALERTS <<'EOF'
import sys, yaml
groups = yaml.safe_load(open(sys.argv[1]))["groups"]
rules = [r for g in groups for r in g["rules"]]
assert sorted(r["alert"] for r in rules) == sorted(sys.argv[2:]), [r["alert"] for r in rules]
for r in rules:
    assert r["expr"].strip() and r["labels"]["severity"] in ("warning", "critical"), r
    assert r["annotations"]["summary"] and r["annotations"]["description"], r
EOF
else
    echo "# no promtool, no python3 yaml: checking the files by grep"
    check "ops/prometheus.yml scrapes the four services" grep -qF '"intake:8080", "rules:8081", "subsidy:8082", "notify:8083"' "$CONF"
    for a in $ALERTS; do check "ops/alerts.yml has $a" grep -q "^      - alert: $a$" "$RULES"; done
fi

# The metrics the alerts use exist on the running services.
for s in notify subsidy rules intake; do svc_start $s || lib_finish; done
# as Prometheus scrapes them: with a token of the metrics role (prometheus.yml's credentials_file)
MT=$(token_for metrics)
metrics() { curl -fsS -H "Authorization: Bearer $MT" "http://127.0.0.1:$(svc_port "$1")/metrics"; }
for s in intake rules subsidy notify; do
    check_eq "$s: /metrics without the token is refused" 401 "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$(svc_port $s)/metrics")"
done
check "prometheus.yml sends a bearer token from a file" grep -q '^      credentials_file: metrics_token ' "$CONF"
all=$(for s in intake rules subsidy notify; do metrics $s; done)
for m in $(grep -oE '\bjiuye_[a-z_]+' "$RULES" | sort -u); do
    check "$m is on a service's /metrics" grep -q "^${m}[{ ]" <<<"$all"
done
for s in intake rules subsidy notify; do
    check "prometheus.yml scrapes $s on its default port" grep -q "\"$s:$(
        case $s in intake) echo 8080 ;; rules) echo 8081 ;; subsidy) echo 8082 ;; notify) echo 8083 ;; esac)\"" "$CONF"
done

# jiuye_dead_letters{service}: the rows of <schema>.dead_letters at scrape time.
for s in rules subsidy notify; do
    check_eq "$s: no dead letters" "jiuye_dead_letters{service=\"$s\"} 0" "$(metrics $s | grep '^jiuye_dead_letters')"
done
check_eq "intake has no dead-letter table, no gauge" "" "$(metrics intake | grep '^jiuye_dead_letters' || true)"
sql "INSERT INTO subsidy.dead_letters (message_id, error, payload) VALUES ('m1', 'test', '\\x00'), ('m2', 'test', '\\x00')"
check_eq "subsidy: two dead letters counted" "jiuye_dead_letters{service=\"subsidy\"} 2" "$(metrics subsidy | grep '^jiuye_dead_letters')"
check_eq "rules: still none" "jiuye_dead_letters{service=\"rules\"} 0" "$(metrics rules | grep '^jiuye_dead_letters')"
check "the gauge is typed" grep -q '^# TYPE jiuye_dead_letters gauge' <<<"$(metrics subsidy)"
sql "DELETE FROM subsidy.dead_letters"
check_eq "subsidy: back to none once handled" "jiuye_dead_letters{service=\"subsidy\"} 0" "$(metrics subsidy | grep '^jiuye_dead_letters')"
lib_finish
