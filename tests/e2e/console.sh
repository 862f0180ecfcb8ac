#!/usr/bin/env bash
# The staff web console, end to end: the API under staff tokens (jiuyectl staff
# add/list/revoke, 401s, the inbox limited to the staff member's district and department,
# acknowledgement in their name, stream tickets as cookies), the static files (content
# types, security headers, no path traversal), and the console itself driven in headless
# Chromium through chromedriver's W3C WebDriver API (curl + jq, no npm, no Python): the
# login form by keyboard and its labels, a wrong token refused with a visible error, a
# notification that arrives live without a reload, its acknowledgement, its trace (clause
# and amount checked against rules and subsidy), the progress page (every figure checked
# against GET /v1/kpi for the city and each district) and the printable annual report.
# A PNG of every page goes to $JIUYE_SCREENSHOT_DIR (default build/screenshots/console).
. "$(dirname "$0")/../lib.sh"
lib_init
db_reset
export JIUYE_TODAY=2024-11-01
CTL=$JIUYE_BIN/jiuyectl
URL=http://127.0.0.1:$NOTIFY_HTTP_PORT
SHOTS=${JIUYE_SCREENSHOT_DIR:-$PWD/build/screenshots/console}
mkdir -p "$SHOTS"
rm -f "$SHOTS"/*.png "$SHOTS"/*.pdf
echo "# screenshots: $SHOTS"

# --- staff tokens ---------------------------------------------------------------------
HZ=$("$CTL" staff add hz-cdpf-07 --district 320706 --department cdpf)
check "staff add prints a token" grep -Eqx 'jy_[0-9a-f]{64}' <<<"$HZ"
DH=$("$CTL" staff add dh-cdpf-01 --district 320722 --department cdpf)
HR=$("$CTL" staff add hz-tax-01 --district 320706 --department tax)
check_eq "only the SHA-256 is stored" "$(printf %s "$HZ" | sha256sum | cut -d' ' -f1)" \
    "$(sql "SELECT encode(token_sha256, 'hex') FROM notify.staff WHERE name = 'hz-cdpf-07'")"
out=$("$CTL" staff add hz-cdpf-07 --district 320706 --department cdpf 2>&1) && rc=0 || rc=$?
check_eq "a second staff member of the same name is refused" "1 already exists" "$rc $(grep -o 'already exists' <<<"$out")"
out=$("$CTL" staff add x1 --district 320799 --department cdpf 2>&1) && rc=0 || rc=$?
check "an unknown district is refused, naming the option" grep -q -- '--district: not a district code' <<<"$out"
out=$("$CTL" staff add x2 --district 320706 --department police 2>&1) && rc=0 || rc=$?
check "an unknown department is refused, naming the option" grep -q -- '--department: not an audience code' <<<"$out"
out=$("$CTL" staff add 'Bad Name' --district 320706 --department cdpf 2>&1) && rc=0 || rc=$?
check "a bad name is refused" grep -q 'name: must be' <<<"$out"
check_eq "nothing half-stored" 3 "$(sql "SELECT count(*) FROM notify.staff")"
out=$("$CTL" staff list)
check "staff list shows district and department" grep -Eq '^hz-cdpf-07 +320706 海州区 +cdpf +残联 .* active$' <<<"$out"
check "jiuyectl staff --help" bash -c "'$CTL' staff --help | grep -q 'jiuyectl staff add NAME'"

# A short heartbeat: a revoked staff member's open stream ends within a second.
NOTIFY_SSE_HEARTBEAT_MS=1000 svc_start notify || lib_finish
for s in subsidy rules intake; do svc_start $s || lib_finish; done
SRC=$("$CTL" source add e2e-console)
P=$(make_cert_no 32070619900307123 4 3)
PROV=$(make_credit_code 91320706MA1111110)
ev_reg() { printf '{"event_id":"%s","type":"person.registered","occurred_on":"%s","district":"%s","payload":{"cert_no":"%s","name":"张三","employment_status":"unemployed","wants_job":true}}\n' "$@"; }
ev_train() { printf '{"event_id":"%s","type":"training.completed","occurred_on":"%s","district":"%s","payload":{"cert_no":"%s","provider_code":"%s","course":"%s","hours":60,"certificate":"level4","cost_fen":%s}}\n' "$@"; }
publish() { "$CTL" publish --token "$SRC" "$1" >/dev/null; }
F=$JIUYE_TEST_TMP/console.ndjson
{
    ev_reg r1 2024-01-15 320706 "$P"
    ev_train t1 2024-03-10 320706 "$P" "$PROV" vocational 180000
    ev_reg r2 2024-02-01 320722 "$(make_cert_no 32072219800101456 4 3)"
    ev_train t9 2024-04-02 320722 "$(make_cert_no 32072219800101456 4 3)" "$PROV" blind_massage 90000
} >"$F"
publish "$F"
wait_until 30 sql_is "SELECT count(*) FROM notify.notifications WHERE event_id IN ('t1', 't9')" 3 || not_ok "t1 and t9 notified"
N1=$(sql "SELECT notification_id FROM notify.notifications WHERE event_id = 't1' AND kind = 'award'")

# --- the API under staff tokens ---------------------------------------------------------
code() { curl -s -o "$JIUYE_TEST_TMP/reply" -w '%{http_code}' "$@"; }
check_eq "/v1/me without a token: 401" 401 "$(code "$URL/v1/me")"
check "401 says what is missing" grep -q 'a bearer token is required' "$JIUYE_TEST_TMP/reply"
check_eq "/v1/me with a wrong token: 401" 401 "$(code -H "Authorization: Bearer jy_$(printf '0%.0s' {1..64})" "$URL/v1/me")"
check_eq "/v1/me with a malformed header: 401" 401 "$(code -H "Authorization: Basic $HZ" "$URL/v1/me")"
check_eq "/v1/me: 200" 200 "$(code -H "Authorization: Bearer $HZ" "$URL/v1/me")"
check_eq "/v1/me names the staff member" "hz-cdpf-07 320706 海州区 cdpf 残联" \
    "$(jq -r '[.name, .district, .district_name, .department, .department_label] | join(" ")' "$JIUYE_TEST_TMP/reply")"
inbox() { curl -fsS -H "Authorization: Bearer $1" "$URL/v1/console/notifications${2:-}"; }
check "inbox: not empty" test "$(inbox "$HZ" | jq '.notifications | length')" -ge 1
check_eq "inbox: only 海州区 and 残联" 0 \
    "$(inbox "$HZ" | jq '[.notifications[] | select(.district != "320706" or (.audience | index("cdpf") | not))] | length')"
check_eq "inbox: the query cannot widen the scope" "$(inbox "$HZ" | jq -c '[.notifications[].id]')" \
    "$(inbox "$HZ" '?district=320722&audience=health' | jq -c '[.notifications[].id]')"
check_eq "inbox: 东海县 staff see 东海县's notifications only" "320722" "$(inbox "$DH" | jq -r '[.notifications[].district] | unique | join(",")')"
check_eq "inbox: a department not addressed sees nothing" 0 "$(inbox "$HR" | jq '.notifications | length')"
check_eq "ack outside one's inbox: 404" 404 "$(code -X POST -H "Authorization: Bearer $DH" "$URL/v1/console/notifications/$N1/ack")"
check_eq "ack without a token: 401" 401 "$(code -X POST "$URL/v1/console/notifications/$N1/ack")"
check_eq "ack with GET: 405" 405 "$(code -H "Authorization: Bearer $HZ" "$URL/v1/console/notifications/$N1/ack")"
check_eq "trace outside one's inbox: 404" 404 "$(code -H "Authorization: Bearer $DH" "$URL/v1/console/notifications/$N1/trace")"
check_eq "kpi: year required" 400 "$(code -H "Authorization: Bearer $HZ" "$URL/v1/console/kpi")"
check_eq "kpi: a bad district" 400 "$(code -H "Authorization: Bearer $HZ" "$URL/v1/console/kpi?year=2024&district=1;x")"
# (Both sides empty would be equal: subsidy's answer must hold its targets first.)
kpi_direct=$(api -fsS "http://127.0.0.1:$SUBSIDY_HTTP_PORT/v1/kpi?year=2024&district=320706&monthly=1" | jq -S -c .)
check "subsidy's /v1/kpi answers with targets" jq -en 'input | .targets | length > 0' <<<"$kpi_direct"
check_eq "kpi through notify = subsidy's /v1/kpi (with its monthly lines)" "$kpi_direct" \
    "$(curl -fsS -H "Authorization: Bearer $HZ" "$URL/v1/console/kpi?year=2024&district=320706" | jq -S -c .)"
check_eq "monthly: training person-times month by month, null after today (2024-11-01)" \
    "[0,0,1,1,1,1,1,1,1,1,1,null]" \
    "$(curl -fsS -H "Authorization: Bearer $HZ" "$URL/v1/console/kpi?year=2024&district=320706" | jq -c '.monthly.series.training_person_times')"
check_eq "stream without a ticket: 401" 401 "$(code --max-time 2 "$URL/v1/console/stream")"
hdrs=$(curl -sS -D - -o /dev/null -X POST -H "Authorization: Bearer $HZ" "$URL/v1/console/ticket")
check "ticket: an HttpOnly, SameSite=Strict cookie for the stream path only" \
    grep -Eiq '^Set-Cookie: jiuye_ticket=jy_[0-9a-f]{64}; Path=/v1/console/stream; Max-Age=60; HttpOnly; SameSite=Strict' <<<"$hdrs"
TICKET=$(grep -Eio 'jiuye_ticket=jy_[0-9a-f]{64}' <<<"$hdrs" | cut -d= -f2)
check_eq "ticket: stored hashed" 1 "$(sql "SELECT count(*) FROM notify.staff_tickets WHERE ticket_sha256 = decode('$(printf %s "$TICKET" | sha256sum | cut -d' ' -f1)', 'hex')")"
S1=$JIUYE_TEST_TMP/stream.txt
curl -sN --max-time 2 -H "Cookie: jiuye_ticket=$TICKET" "$URL/v1/console/stream" >"$S1" 2>/dev/null || true
check_eq "stream with the ticket: the staff member's notifications" "$(inbox "$HZ" | jq -r '[.notifications[].id] | join(" ")')" \
    "$(sed -n 's/^id: //p' "$S1" | paste -sd' ')"
sh=$(curl -sS -D - -o /dev/null --max-time 2 -H "Cookie: jiuye_ticket=$TICKET" "$URL/v1/console/stream" 2>/dev/null | tr -d '\r' || true)
check_eq "stream: one Cache-Control header" "Cache-Control: no-cache" "$(grep -i '^Cache-Control:' <<<"$sh")"
check "stream: the console's security headers" grep -q "^Content-Security-Policy: default-src 'none'" <<<"$sh"
check_eq "stream: a malformed resume point: 400" 400 "$(code --max-time 2 -H "Cookie: jiuye_ticket=$TICKET" "$URL/v1/console/stream?after=x")"
check_eq "the ticket is not a bearer token" 401 "$(code -H "Authorization: Bearer $TICKET" "$URL/v1/me")"
check_eq "the staff token is not a ticket" 401 "$(code --max-time 2 -H "Cookie: jiuye_ticket=$HZ" "$URL/v1/console/stream")"
check_eq "console answers are not cached" "no-store" "$(curl -sS -D - -o /dev/null -H "Authorization: Bearer $HZ" "$URL/v1/me" | tr -d '\r' | sed -n 's/^Cache-Control: //ip')"
check_eq "the inbox API wants a token too" 401 "$(code "$URL/v1/notifications")"

# --- static files ------------------------------------------------------------------------
hdr() { curl -sS -D - -o /dev/null "$@" | tr -d '\r'; }
h=$(hdr "$URL/console/")
check "index: text/html" grep -qx 'Content-Type: text/html; charset=utf-8' <<<"$h"
check "index: strict CSP (self only, no inline)" grep -qx "Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'" <<<"$h"
check "index: nosniff" grep -qx 'X-Content-Type-Options: nosniff' <<<"$h"
check "index: Cache-Control and ETag" bash -c "grep -qx 'Cache-Control: no-cache' <<<\"\$1\" && grep -Eqx 'ETag: \"[0-9a-f]{32}\"' <<<\"\$1\"" _ "$h"
etag=$(sed -n 's/^ETag: //p' <<<"$h")
check_eq "index: 304 when unchanged" 304 "$(code -H "If-None-Match: $etag" "$URL/console/")"
check_eq "index: the bytes of the file" "$(sha256sum <services/notify/web/index.html | cut -d' ' -f1)" "$(curl -fsS "$URL/console/" | sha256sum | cut -d' ' -f1)"
check "app.js: text/javascript" grep -qx 'Content-Type: text/javascript; charset=utf-8' <<<"$(hdr "$URL/console/app.js")"
check "style.css: text/css" grep -qx 'Content-Type: text/css; charset=utf-8' <<<"$(hdr "$URL/console/style.css")"
check "favicon: image/svg+xml" grep -qx 'Content-Type: image/svg+xml' <<<"$(hdr "$URL/console/favicon.svg")"
check "/ redirects to /console/" grep -qx 'Location: /console/' <<<"$(hdr "$URL/")"
check_eq "HEAD: 200" 200 "$(code -I "$URL/console/app.js")"
check_eq "POST to a file: 405" 405 "$(code -X POST "$URL/console/app.js")"
for p in /console/../README.md /console/..%2fREADME.md /console/%2e%2e/%2e%2e/README.md /console/app.js/ \
    /console//etc/passwd /console/index.html /console/.%2e/.%2e/ops/migrations/012_notify_staff.sql \
    '/console/app.js%00.png' /console/web/app.js /consoleapp.js; do
    check_eq "no traversal or unlisted file: $p" 404 "$(curl -s --path-as-is -o /dev/null -w '%{http_code}' "$URL$p")"
done

# --- the console in headless Chromium ----------------------------------------------------
# chromedriver takes a free port of its own choosing (--port=0) and names it in its output.
# Not a fixed port: when any socket already holds it (a client connection that got it,
# another listener, another run's chromedriver), chromedriver exits at once ("IPv4/IPv6 port
# not available. Exiting..."), and a restart on the same port exits the same way while that
# socket lives. Without
# --allowed-ips it listens on 127.0.0.1 and ::1 only (with it, on every address: the
# wildcard bind also clashes with any socket on the port, whatever its address).
WD_RUNS=0
start_chromedriver() {
    WD_RUNS=$((WD_RUNS + 1))
    WD_LOG=$JIUYE_TEST_TMP/logs/chromedriver.$WD_RUNS.log
    chromedriver --port=0 --log-path="$WD_LOG" --log-level=INFO >"$WD_LOG.out" 2>&1 &
    WD_PID=$!
    echo "$WD_PID" >>"$JIUYE_TEST_TMP/svc.pids"
}
# The port this chromedriver listens on, once it says so.
wd_port() { sed -n 's/^ChromeDriver was started successfully on port \([0-9][0-9]*\)\.$/\1/p' "$WD_LOG.out"; }
# (Not `curl | jq -e`: jq given no input at all exits 0, so that was ready when nothing answered.)
wd_ready() {
    local port status
    port=$(wd_port)
    [[ -n "$port" ]] && status=$(curl -fsS --max-time 2 "http://127.0.0.1:$port/status") &&
        jq -e '.value.ready == true' >/dev/null <<<"$status"
}
# chromedriver_up: start it and wait for it; WD is its URL. Returns 1 (after a "# ...") if it is not ready in 30 s.
chromedriver_up() {
    start_chromedriver
    if wait_until 30 wd_ready; then
        WD=http://127.0.0.1:$(wd_port)
        return 0
    fi
    echo "# chromedriver not ready in 30 s: $(tail -3 "$WD_LOG.out" | tr '\n' ' ')"
    return 1
}
stop_chrome() {
    [[ -n "${SID:-}" ]] && curl -s -X DELETE "$WD/session/$SID" >/dev/null 2>&1
    kill "$WD_PID" 2>/dev/null
    wait "$WD_PID" 2>/dev/null
    SID=
}
# The Debian launcher adds --disable-dev-shm-usage only when its check of /dev/shm works (it
# breaks when /dev/shm is mounted twice): given here, a small /dev/shm cannot crash the tabs.
caps=$(jq -nc --arg dir "$JIUYE_TEST_TMP/chromium-profile" '{capabilities: {alwaysMatch: {browserName: "chrome",
    "goog:chromeOptions": {binary: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu",
    "--disable-dev-shm-usage", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--user-data-dir=\($dir)", "--window-size=1280,1000",
    "--lang=zh-CN"]}, "goog:loggingPrefs": {browser: "ALL"}}}}')
# Should a session still not start (a browser that crashed while starting), what chromedriver
# answered is shown, and it is tried again, twice, with a new chromedriver if it is gone.
SID=
chromedriver_up || not_ok "chromedriver ready" "$(tail -20 "$WD_LOG.out")"
for try in 1 2 3; do
    [[ -n "${WD:-}" ]] || break
    resp=$(curl -sS -X POST -H 'Content-Type: application/json' --data "$caps" "$WD/session" 2>&1)
    SID=$(jq -r '.value.sessionId // empty' <<<"$resp" 2>/dev/null)
    [[ -n "$SID" ]] && break
    echo "# no Chromium session (try $try): $(head -c 600 <<<"$resp")"
    rm -rf "$JIUYE_TEST_TMP/chromium-profile"
    if ! kill -0 "$WD_PID" 2>/dev/null; then
        wait "$WD_PID"
        echo "# chromedriver gone (status $?): $(tail -3 "$WD_LOG.out" | tr '\n' ' ')"
        WD=
        chromedriver_up || break
    fi
    sleep 1
done
if [[ -z "$SID" ]]; then
    not_ok "a Chromium session" "$(tail -20 "$WD_LOG.out"; grep -E 'SEVERE|WARNING' "$WD_LOG" | tail -20)"
    stop_chrome
    lib_finish
fi
ok "a headless Chromium session"

# wd METHOD PATH [JSON]: one WebDriver command on the session; prints .value as JSON.
wd() {
    local args=(-sS -X "$1" -H 'Content-Type: application/json')
    [[ -z "${3:-}" ]] || args+=(--data "$3")
    curl "${args[@]}" "$WD/session/$SID$2" | jq -c '.value'
}
js() { wd POST /execute/sync "$(jq -nc --arg s "$1" '{script: $s, args: []}')" | jq -r 'if type == "string" then . else tojson end'; }
js_true() { [[ "$(js "return !!($1)")" == true ]]; }
el_find() { wd POST /element "$(jq -nc --arg v "$1" '{using: "css selector", value: $v}')" | jq -r '.["element-6066-11e4-a52e-4f735466cecf"] // empty'; }
go() { wd POST /url "$(jq -nc --arg u "$URL$1" '{url: $u}')" >/dev/null; }
keys() { wd POST "/element/$1/value" "$(jq -nc --arg t "$2" '{text: $t}')" >/dev/null; }
click() { wd POST "/element/$1/click" '{}' >/dev/null; }
press() { # press KEY...: key presses on the focused element (W3C actions)
    local acts=() k
    for k in "$@"; do acts+=("$(jq -nc --arg k "$k" '[{type: "keyDown", value: $k}, {type: "keyUp", value: $k}]')"); done
    wd POST /actions "$(printf '%s\n' "${acts[@]}" | jq -sc '{actions: [{type: "key", id: "kb", actions: add}]}')" >/dev/null
    wd DELETE /actions >/dev/null
}
TAB=$'\ue004' ENTER=$'\ue007'
shot() { wd GET /screenshot | jq -r . | base64 -d >"$SHOTS/$1.png" && check "screenshot $1.png" test -s "$SHOTS/$1.png"; }
full_height() { wd POST /window/rect "{\"width\":1280,\"height\":$(js 'return Math.min(6000, document.documentElement.scrollHeight + 120)')}" >/dev/null; }

wd POST /window/rect '{"width":1280,"height":1000}' >/dev/null
go /
wait_until 10 js_true "location.hash === '#/login' && !document.getElementById('view-login').hidden" || not_ok "/ opens the login"
check_eq "the page is Chinese" "zh-CN" "$(js 'return document.documentElement.lang')"
check_eq "the token field has its label" "工作人员令牌" "$(wd GET "/element/$(el_find '#token')/computedlabel" | jq -r .)"
check_eq "the token field is focused first" "token" "$(js 'return document.activeElement.id')"
check "the login page shows no navigation before login" js_true "document.getElementById('nav').offsetHeight === 0 && document.getElementById('view-login').offsetHeight > 0"
press "$TAB"
check_eq "Tab reaches the login button" "login-submit" "$(js 'return document.activeElement.id')"
check_eq "the button is named 登录" "登录" "$(wd GET "/element/$(el_find '#login-submit')/computedlabel" | jq -r .)"
check_eq "the error region is an alert" "alert" "$(js "return document.getElementById('login-error').getAttribute('role')")"
check_eq "a skip link comes first" "跳到主要内容" "$(js 'return document.querySelector("a.skip").textContent')"
# Contrast of body text and the primary button (WCAG AA: ≥ 4.5:1).
contrast='function L(c){const v=c.match(/\d+/g).slice(0,3).map(Number).map(x=>{x/=255;return x<=0.03928?x/12.92:Math.pow((x+0.055)/1.055,2.4)});return 0.2126*v[0]+0.7152*v[1]+0.0722*v[2]}
function ratio(e){const s=getComputedStyle(e);const a=L(s.color),b=L(s.backgroundColor==="rgba(0, 0, 0, 0)"?"rgb(255,255,255)":s.backgroundColor);return (Math.max(a,b)+0.05)/(Math.min(a,b)+0.05)}'
check "contrast of text and of the login button ≥ 4.5:1" js_true "(function(){$contrast; return ratio(document.querySelector('#view-login p'))>=4.5 && ratio(document.getElementById('login-submit'))>=4.5})()"
shot 01-login

# A wrong token: refused, with a visible error; the right one by keyboard (Enter).
E=$(el_find '#token')
click "$E"
keys "$E" "jy_$(printf '0%.0s' {1..64})"
press "$ENTER"
wait_until 10 js_true "document.getElementById('login-error').textContent.includes('令牌无效')" || true
check "a wrong token: a visible error" js_true "document.getElementById('login-error').textContent.includes('登录失败：令牌无效') && document.getElementById('login-error').offsetHeight > 0"
check "a wrong token: still on the login, no navigation shown" js_true "document.getElementById('view-login').offsetHeight > 0 && document.getElementById('nav').offsetHeight === 0 && document.getElementById('view-inbox').offsetHeight === 0"
check_eq "a wrong token: the field is marked invalid" "true" "$(js "return document.getElementById('token').getAttribute('aria-invalid')")"
shot 02-login-error
js "document.getElementById('token').value = ''" >/dev/null
keys "$E" "$HZ"
press "$ENTER"
wait_until 15 js_true "!document.getElementById('view-inbox').hidden && document.getElementById('n-$N1')" || not_ok "the inbox opens after login"
check "the inbox shows the award notification" js_true "document.getElementById('n-$N1').textContent.includes('培训补贴 1500.00 元')"
check_eq "the inbox holds what the API gives" "$(inbox "$HZ" | jq -r '[.notifications[].id] | sort | join(" ")')" \
    "$(js "return [...document.querySelectorAll('#inbox-list > li')].map(e => Number(e.dataset.id)).sort((a,b)=>a-b).join(' ')")"
check "the token is kept for this tab only" js_true "sessionStorage.getItem('jiuye.staff.token') === '$HZ' && localStorage.length === 0"
check "the staff member is named" js_true "document.getElementById('who').textContent.includes('hz-cdpf-07')"
wait_until 15 js_true "document.getElementById('live-status').textContent.includes('已连接')" || not_ok "the live stream connects"
check "the live region is polite" js_true "document.getElementById('live-announce').getAttribute('aria-live') === 'polite'"
shot 03-inbox

# A notification published after the page is open arrives without a reload.
js "window.__noReload = 42" >/dev/null
ev_train t2 2024-06-10 320706 "$P" "$PROV" vocational 120000 >"$F"
publish "$F"
wait_until 30 sql_is "SELECT count(*) FROM notify.notifications WHERE event_id = 't2' AND kind = 'award'" 1 || not_ok "t2 notified"
N2=$(sql "SELECT notification_id FROM notify.notifications WHERE event_id = 't2' AND kind = 'award'")
wait_until 20 js_true "document.getElementById('n-$N2')" || true
check "live: the new notification is in the DOM" js_true "document.getElementById('n-$N2') && document.getElementById('n-$N2').textContent.includes('培训补贴 1200.00 元')"
check_eq "live: without a reload" 42 "$(js 'return window.__noReload')"
check "live: at the top of the list" js_true "document.querySelector('#inbox-list > li').id === 'n-$N2'"
check "live: announced to screen readers" js_true "document.getElementById('live-announce').textContent.includes('收到新通知')"
shot 04-inbox-live

# Acknowledge it.
B=$(el_find "#n-$N2 button.ack")
check "the ack button is keyboard-focusable" js_true "(function(){const b=document.querySelector('#n-$N2 button.ack'); b.focus(); return document.activeElement === b})()"
press "$ENTER"
wait_until 10 js_true "document.querySelector('#n-$N2 .ack-state') && document.querySelector('#n-$N2 .ack-state').textContent.includes('已确认')" || true
check "ack: shown on the page" js_true "document.querySelector('#n-$N2 .ack-state').textContent.includes('已确认：hz-cdpf-07')"
check_eq "ack: recorded in the staff member's name" hz-cdpf-07 "$(sql "SELECT acked_by FROM notify.notifications WHERE notification_id = $N2")"
check_eq "ack: the button is gone" "" "$(el_find "#n-$N2 button.ack")"
shot 05-inbox-acked

# Its trace: clause and amount as rules and subsidy have them.
click "$(el_find "#n-$N2 .trace-link")"
wait_until 15 js_true "!document.getElementById('view-trace').hidden && document.querySelector('#trace-body .decision')" || not_ok "the trace opens"
api_clause=$(api -fsS "http://127.0.0.1:$RULES_HTTP_PORT/v1/decisions?event_id=t2&source=e2e-console" | jq -r '.decisions[] | select(.rule == "R01") | .clause')
api_fen=$(api -fsS "http://127.0.0.1:$SUBSIDY_HTTP_PORT/v1/awards?event_id=t2&source=e2e-console" | jq -r '.awards[0].amount_fen')
check_eq "trace: R01's clause as rules decided" "$api_clause" "$(js "return document.querySelector('.decision[data-rule=\"R01\"] .clause').textContent")"
check_eq "trace: the clause is 二(三)9" "二(三)9" "$api_clause"
check_eq "trace: the amount as subsidy granted (fen)" "$api_fen" "$(js "return document.querySelector('.award .amount').dataset.fen")"
check_eq "trace: the amount in yuan" "1,200.00" "$(js "return document.querySelector('.award .amount').textContent")"
check "trace: facts and parameters with effective dates" js_true "[...document.querySelectorAll('.decision caption')].some(c => c.textContent.startsWith('参数')) && document.querySelector('.decision').textContent.includes('hours')"
check "trace: the breakdown lines" js_true "document.querySelector('.award caption').textContent === '计算明细' && document.querySelectorAll('.award tbody tr').length >= 1"
check "trace: no upstream errors" js_true "document.getElementById('trace-error').textContent === ''"
full_height
shot 06-trace
wd POST /window/rect '{"width":1280,"height":1000}' >/dev/null

# Progress: every figure of the city and of each district against GET /v1/kpi.
go "/console/#/progress/2024"
wait_until 30 js_true "document.querySelector('[data-kpi=\"city:training_person_times\"]') && document.querySelector('svg.chart polyline')" || not_ok "the progress page draws"
expected=$(for d in city 320703 320706 320707 320722 320723 320724; do
    q="year=2024"
    [[ $d == city ]] || q="$q&district=$d"
    api -fsS "http://127.0.0.1:$SUBSIDY_HTTP_PORT/v1/kpi?$q" | jq -c --arg d "$d" '[.targets[] | {key: "\($d):\(.id)",
        value: ((if .unit == "percent" or .id == "blind_massage_trained" then .actual else .cumulative end) // "" | tostring)}]'
done | jq -sSc 'add | from_entries')
shown=$(js "return JSON.stringify(Object.fromEntries([...document.querySelectorAll('[data-kpi]')].map(e => [e.dataset.kpi, e.dataset.value])))" | jq -Sc .)
check_eq "progress: every target for the city and the six districts as GET /v1/kpi has it" "$expected" "$shown"
check_eq "progress: 70 figures (10 targets x 7)" 70 "$(jq 'length' <<<"$shown")"
check_eq "progress: city training person-times" 3 "$(jq -r '.["city:training_person_times"]' <<<"$shown")"
check_eq "progress: 东海县 blind massage" 1 "$(jq -r '.["320722:blind_massage_trained"]' <<<"$shown")"
check "progress: bars with text equivalents" js_true "document.querySelectorAll('svg.bar[role=img][aria-label]').length >= 3"
check "progress: monthly lines with a data table" js_true "document.querySelectorAll('svg.chart polyline').length >= 1 && document.querySelector('details table')"
full_height
shot 07-progress
wd POST /window/rect '{"width":1280,"height":1000}' >/dev/null

# The November 10 report, printable.
go "/console/#/report/2024/320706"
wait_until 20 js_true "document.getElementById('report-title').textContent.includes('海州区') && document.querySelectorAll('#report-body table').length === 2" || not_ok "the report draws"
api=$(api -fsS "http://127.0.0.1:$SUBSIDY_HTTP_PORT/v1/kpi?year=2024&district=320706")
check_eq "report: training person-times of the year" "$(jq -r '.targets[] | select(.id == "training_person_times") | .actual' <<<"$api")" \
    "$(js "return [...document.querySelectorAll('#report-body table')[0].rows].find(r => r.cells[0].textContent.includes('职业技能培训')).cells[3].textContent")"
check_eq "report: granted training subsidies (yuan)" "$(jq -r '.awards[] | select(.program == "TRAINING_SUBSIDY") | .granted_yuan' <<<"$api")" \
    "$(js "return [...document.querySelectorAll('#report-body table')[1].rows].find(r => r.cells[0].textContent === '培训补贴').cells[5].textContent.replace(/,/g, '')")"
check "report: says the November 10 deadline" js_true "document.getElementById('report-body').textContent.includes('11 月 10 日')"
check "report: a print stylesheet hides the navigation" js_true "[...document.styleSheets].some(s => s.media.mediaText === 'print')"
full_height
shot 08-report
# How it prints: the print stylesheet, seen through Chromium's print media emulation.
wd POST /goog/cdp/execute '{"cmd":"Emulation.setEmulatedMedia","params":{"media":"print"}}' >/dev/null
check "print: no navigation, no controls" js_true "document.getElementById('nav').offsetHeight === 0 && document.getElementById('report-form').offsetHeight === 0 && document.getElementById('report-body').offsetHeight > 0"
full_height
shot 09-report-print
wd POST /goog/cdp/execute '{"cmd":"Emulation.setEmulatedMedia","params":{"media":""}}' >/dev/null
wd POST /print '{"orientation":"portrait","background":true}' | jq -r . | base64 -d >"$SHOTS/08-report.pdf"
check "report: prints to PDF" bash -c "head -c4 '$SHOTS/08-report.pdf' | grep -q '%PDF'"

# Revoked: the open live stream ends, the console's next call is refused, back to the login.
"$CTL" staff revoke hz-cdpf-07 >/dev/null
check_eq "revoked: the token stops working" 401 "$(code -H "Authorization: Bearer $HZ" "$URL/v1/me")"
check_eq "revoked: its tickets too" 0 "$(sql "SELECT count(*) FROM notify.staff_tickets t JOIN notify.staff s USING (staff_id) WHERE s.name = 'hz-cdpf-07'")"
# No navigation: the open stream ends, its reconnection is refused, the console signs out.
wait_until 20 js_true "!document.getElementById('view-login').hidden && document.getElementById('login-error').textContent !== ''" || true
check "revoked: the console ends the live inbox and shows the login with a message" js_true "!document.getElementById('view-login').hidden && document.getElementById('login-error').textContent.includes('登录已失效')"
check "staff list shows the revocation" grep -Eq '^hz-cdpf-07 .* revoked [0-9TZ:-]+$' <<<"$("$CTL" staff list)"
# The browser's log: the wrong token's and the revoked token's refusals are expected (a
# resource answered 401, or 404 for what the revoked staff member no longer sees); any other
# severe line (an exception, a CSP violation) is an error. An unreadable log is a failure too.
jslog=$(wd POST /se/log '{"type":"browser"}')
check "the browser's log is readable" jq -en 'input | type == "array"' <<<"$jslog"
jq -r '.[]? | select(.level == "SEVERE") | "# browser: \(.message)"' <<<"$jslog"
check_eq "no JavaScript errors or CSP violations in the console" "[]" \
    "$(jq -c '[.[]? | select(.level == "SEVERE") | select(.message | test("Failed to load resource: the server responded with a status of 40[14] ") | not) | .message]' <<<"$jslog")"

stop_chrome
ls "$SHOTS" | sed 's/^/# /'
lib_finish
