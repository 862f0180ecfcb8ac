#!/usr/bin/env bash
# Slow or idle HTTP clients time out: with JIUYE_HTTP_TIMEOUT_S=1, intake closes
# a connection that sends nothing, half a request line and headers, or headers and half a
# body, within a few seconds, and serves other clients meanwhile (one event loop: a stalled
# client must not hold it). Loopback only, through bash's /dev/tcp.
. "$(dirname "$0")/../lib.sh"
lib_init
db_reset
JIUYE_HTTP_TIMEOUT_S=1 svc_start intake || lib_finish
T=$JIUYE_TEST_TMP
BASE_URL="http://127.0.0.1:$INTAKE_HTTP_PORT"

# stall NAME DATA: open a connection, send DATA (printf %b escapes) and stop. While it is
# stalled, another client must be served; then the server must close the stalled one
# between 0.5 s (it did wait) and 4 s (it did not wait forever) after the last byte.
stall() {
  local name=$1 data=$2 fd t0 t1 rc=0 elapsed
  if ! exec {fd}<>"/dev/tcp/127.0.0.1/$INTAKE_HTTP_PORT"; then
    not_ok "$name: connect"
    return
  fi
  printf '%b' "$data" >&"$fd"
  t0=$EPOCHREALTIME
  check_eq "$name: others are served meanwhile" "200" \
    "$(curl -s -o /dev/null --max-time 1 -w '%{http_code}' "$BASE_URL/healthz")"
  # cat ends at EOF (0) or on a reset (1); 124 means the connection was still open.
  timeout 8 cat <&"$fd" >"$T/stall.out" 2>/dev/null || rc=$?
  t1=$EPOCHREALTIME
  exec {fd}>&-
  elapsed=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  if ((rc == 124)); then
    not_ok "$name: closed by the server" "still open after 8 s"
  elif awk -v e="$elapsed" 'BEGIN { exit !(e >= 0.5 && e <= 4) }'; then
    ok "$name: closed by the server after ${elapsed} s"
  else
    not_ok "$name: closed by the server after 0.5-4 s" "closed after $elapsed s (cat status $rc)"
  fi
  if [[ -s "$T/stall.out" ]]; then echo "#   the server said: $(head -1 "$T/stall.out" | tr -d '\r')"; fi
}

stall "idle connection" ''
stall "half a request header" 'POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le'
stall "half a request body" \
  'POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer jy_0\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{"event_id":"slow-1",'

check_eq "nothing stored from the stalled clients" "0" "$(sql "SELECT count(*) FROM intake.events")"
check_eq "the service is still healthy" "200" \
  "$(curl -s -o /dev/null --max-time 2 -w '%{http_code}' "$BASE_URL/readyz")"
# A complete request on a kept-alive connection is answered; the timeout is for silence.
check_eq "a prompt client is answered" "401" \
  "$(curl -s -o /dev/null --max-time 2 -w '%{http_code}' -d '{}' "$BASE_URL/v1/events")"
lib_finish
