#!/usr/bin/env bash
# The privacy scan over HTTP answers (docs/architecture.md "Access"): four named persons
# in two districts go through the pipeline (decisions, awards, notifications), then
# every route of every service (read from the binaries' `--routes`, so a new route is
# scanned without editing this file; {id} filled with real notification ids of both
# districts) is called by every role: nobody, a source, staff of 海州区 and of 东海县, the
# operator, the auditor and the metrics token (GET as it is, POST with a harmless
# body). Each answer is scanned for a full ID number (any 18-character GB 11643 number
# with a valid check character and a real-looking birth date, as common/ident.c checks
# it) and for the seeded names. One may appear only when the role's scope covers that
# person: the operator all; staff their own district; the auditor in /v1/audit rows
# alone; everyone else nobody; a public route nobody at all. Each leak is printed as
# role, route and what leaked (a person's label, never the number itself).
. "$(dirname "$0")/../lib.sh"
lib_init
db_reset
export JIUYE_TODAY=2026-01-15
CTL=$JIUYE_BIN/jiuyectl
A=320706 B=320722

# --- the scanner -------------------------------------------------------------

# ids_in FILE: every full ID number in FILE, one a line (18 characters). Runs of
# digits and X are cut into 18-character windows left to right; a window that passes
# the check is reported and skipped whole, so a cert_no's category and grade after it
# are not read as the start of another number.
ids_in() {
    awk '
    BEGIN {
        split("7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2", w, " ")
        checks = "10X98765432"
    }
    function valid(s,    i, sum, y, m, d) {
        if (length(s) != 18 || s !~ /^[0-9]*[0-9X]$/) return 0
        for (i = 1; i <= 17; i++) sum += substr(s, i, 1) * w[i]
        if (substr(checks, sum % 11 + 1, 1) != substr(s, 18, 1)) return 0
        y = substr(s, 7, 4) + 0; m = substr(s, 11, 2) + 0; d = substr(s, 13, 2) + 0
        return y >= 1900 && y <= 2099 && m >= 1 && m <= 12 && d >= 1 && d <= 31
    }
    {
        line = $0
        gsub(/[^0-9X]+/, " ", line)
        n = split(line, runs, " ")
        for (r = 1; r <= n; r++) {
            s = runs[r]
            for (i = 1; i + 17 <= length(s); ) {
                if (valid(substr(s, i, 18))) { print substr(s, i, 18); i += 18 } else i++
            }
        }
    }' "$1" | sort -u
}

# texts FILE: the answer as sent and its JSON strings decoded (a name may be sent as
# \u escapes), also of an event stream's data lines.
texts() {
    cat "$1"
    echo
    jq -r '.. | strings' "$1" 2>/dev/null || true
    sed -n 's/^data: *//p' "$1" | jq -r '.. | strings' 2>/dev/null || true
}

# --- the persons -------------------------------------------------------------

declare -A CERT NAME DIST
CERT[A1]=$(make_cert_no 32070619880412031 4 2) NAME[A1]=欧阳明轩 DIST[A1]=$A
CERT[A2]=$(make_cert_no 32070619920923042 1 1) NAME[A2]=司马静怡 DIST[A2]=$A
CERT[B1]=$(make_cert_no 32072219790105053 4 3) NAME[B1]=上官子墨 DIST[B1]=$B
CERT[B2]=$(make_cert_no 32072219850630064 2 2) NAME[B2]=诸葛云舒 DIST[B2]=$B
PERSONS=(A1 A2 B1 B2)
declare -A WHO_ID # the 18-character ID -> person label
for p in "${PERSONS[@]}"; do WHO_ID[${CERT[$p]:0:18}]=$p; done

# The scanner itself must see what it is meant to see: a cert_no in a sentence, an ID
# alone, a name as \u escapes; and not a masked one, a credit code or a long number.
probe=$JIUYE_TEST_TMP/probe.json
printf '{"a":"see %s.","b":"%s","d":"3207**********123441","e":"91320706MA1111110X","f":12345678901234567890123}\n' \
    "${CERT[A1]}" "${CERT[B1]:0:18}" >"$probe"
check_eq "the scanner finds a cert_no and a bare ID, nothing masked" \
    "$(printf '%s\n' "${CERT[A1]:0:18}" "${CERT[B1]:0:18}" | sort)" "$(ids_in "$probe")"
printf '{"n":"\\u53f8\\u9a6c\\u9759\\u6021"}\n' >"$probe" # NAME[A2]
texts "$probe" >"$probe.txt"
check "the scanner decodes a name sent as \\u escapes" grep -qF "${NAME[A2]}" "$probe.txt"

for s in notify subsidy rules intake; do
    JIUYE_AUTH_MAX_FAILURES=100000 svc_start $s || lib_finish
done
SRC=$("$CTL" source add e2e-privacy)
PROV=$(make_credit_code 91320706MA3333330)
EMP=$(make_credit_code 91320706MA4444440)
ev() { printf '{"event_id":"%s","type":"%s","occurred_on":"%s","district":"%s","payload":%s}\n' "$@"; }
F=$JIUYE_TEST_TMP/privacy.ndjson
for p in "${PERSONS[@]}"; do
    c=${CERT[$p]} d=${DIST[$p]}
    ev "reg-$p" person.registered 2024-01-15 "$d" "{\"cert_no\":\"$c\",\"name\":\"${NAME[$p]}\",\"employment_status\":\"unemployed\",\"wants_job\":true}"
    ev "train-$p" training.completed 2024-05-10 "$d" "{\"cert_no\":\"$c\",\"provider_code\":\"$PROV\",\"course\":\"vocational\",\"hours\":60,\"certificate\":\"level4\",\"cost_fen\":180000}"
    ev "svc-$p" service.delivered 2024-03-15 "$d" "{\"cert_no\":\"$c\",\"service\":\"info_check\",\"staff_id\":\"staff-$p\"}"
    ev "grad-$p" graduate.registered 2024-06-20 "$d" "{\"cert_no\":\"$c\",\"school\":\"连云港职业技术学院\",\"graduation_year\":2024,\"wants_job\":true}"
    ev "job-$p" employment.started 2024-08-01 "$d" "{\"cert_no\":\"$c\",\"employer_code\":\"$EMP\",\"channel\":\"public_welfare_post\",\"contract_months\":24,\"monthly_wage_fen\":201000,\"social_insurance\":true}"
done >"$F"
out=$("$CTL" publish --token "$SRC" "$F")
check_eq "the persons' events accepted" "20 accepted, 0 duplicate, 0 rejected" "$(tail -1 <<<"$out")"
wait_until 60 sql_ge "SELECT count(DISTINCT beneficiary) FROM subsidy.awards" 4 ||
    not_ok "awards for the four persons" "$(sql "SELECT beneficiary, status FROM subsidy.awards")"
wait_until 30 sql_ge "SELECT count(DISTINCT district) FROM notify.notifications WHERE 'cdpf' = ANY(audience)" 2 ||
    not_ok "cdpf notifications in both districts" "$(sql "SELECT district, audience FROM notify.notifications")"
declare -A NID
for d in $A $B; do
    NID[$d]=$(sql "SELECT max(notification_id) FROM notify.notifications WHERE district = '$d' AND 'cdpf' = ANY(audience)")
done

# --- the callers ---------------------------------------------------------------

declare -A TOK=([none]='')
TOK[source]=$SRC
TOK[metrics]=$(token_for metrics)
TOK[staff_a]=$("$CTL" staff add hz-privacy --district $A --department cdpf)
TOK[staff_b]=$("$CTL" staff add dh-privacy --district $B --department cdpf)
TOK[operator]=$(token_for operator)
TOK[auditor]=$(token_for auditor)
# The auditor goes last, so that /v1/audit has the others' reads to show.
ROLES=(none source metrics staff_a staff_b operator auditor)
for r in "${ROLES[@]:1}"; do
    [[ "${TOK[$r]}" =~ ^jy_[0-9a-f]{64}$ ]] || not_ok "a token for $r" "${TOK[$r]}"
done

# covers ROLE ACCESS PATH PERSON: may ROLE see PERSON in the answer of a route with ACCESS at PATH?
covers() {
    local role=$1 access=$2 path=$3 person=$4
    [[ "$access" != public ]] || return 1
    case $role in
    operator) return 0 ;;
    staff_a) [[ "${DIST[$person]}" == "$A" ]] ;;
    staff_b) [[ "${DIST[$person]}" == "$B" ]] ;;
    auditor) [[ "$path" == /v1/audit ]] ;;
    *) return 1 ;;
    esac
}

# What makes a call show the most: queries per path (space-separated; "" is none).
declare -A QUERIES=(
    [/v1/decisions]="?subject=${CERT[A1]} ?subject=${CERT[A2]} ?subject=${CERT[B1]} ?subject=${CERT[B2]}"
    [/v1/awards]="'' ?year=2024"
    [/v1/kpi]="?year=2024" [/v1/console/kpi]="?year=2024" [/v1/vacancies/kpi]="?year=2024"
    [/v1/notifications/stream]="?after=0" [/v1/console/stream]="?after=0"
)
# Harmless POST bodies: an event already stored (a duplicate), a dry run.
declare -A POSTBODY=(
    [/v1/events]="$(head -1 "$F")"
    [/v1/replay]='{"from":"2024-01-01","to":"2024-12-31","dry_run":true}'
)

BODY=$JIUYE_TEST_TMP/body SCAN=$JIUYE_TEST_TMP/scan
declare -A SEEN # role -> persons whose cert_no its answers showed
calls=0 NAMES_SEEN=
# call SVC METHOD PATH ACCESS ROLE URLPATH QUERY: one call, its answer scanned.
call() {
    local svc=$1 method=$2 path=$3 access=$4 role=$5 url=$6 query=$7 args=() code id p leaks=
    [[ -z "${TOK[$role]}" ]] || args+=(-H "Authorization: Bearer ${TOK[$role]}")
    if [[ "$access" == ticket && "$role" == staff_* ]]; then
        local t
        t=$(curl -sS -D - -o /dev/null -X POST -H "Authorization: Bearer ${TOK[$role]}" \
            "http://127.0.0.1:$(svc_port notify)/v1/console/ticket" | grep -Eio 'jiuye_ticket=jy_[0-9a-f]{64}')
        args=(-H "Cookie: $t")
    fi
    [[ "$method" != POST ]] || args+=(--data-binary "${POSTBODY[$path]:-}")
    [[ "$query" != "''" ]] || query=
    # a stream answers 200 and stays open: two seconds of it are enough
    code=$(curl -s -o "$BODY" -w '%{http_code}' --max-time "$([[ "$path" == */stream ]] && echo 2 || echo 20)" \
        -X "$method" "${args[@]}" "http://127.0.0.1:$(svc_port "$svc")$url$query")
    calls=$((calls + 1))
    local label="$role $method $url$query" q
    for q in "${PERSONS[@]}"; do label=${label//${CERT[$q]}/<cert_no of $q>}; done
    if [[ "$code" =~ ^5 || ("$code" == 000 && "$path" != */stream) ]]; then
        not_ok "$label: answered $code" "$(head -c 300 "$BODY")"
    fi
    texts "$BODY" >"$SCAN"
    for id in $(ids_in "$SCAN"); do
        p=${WHO_ID[$id]:-}
        if [[ -z "$p" ]]; then
            # nobody seeded: still somebody's number; only the operator sees everyone, and the
            # auditor the subjects of the access log (which db_reset keeps: it is append-only,
            # so earlier tests' reads are in it too)
            [[ ("$role" == operator && "$access" != public) || ("$role" == auditor && "$path" == /v1/audit) ]] ||
                leaks+=" an unknown ID ${id:0:4}**********${id:14:4}"$'\n'
        elif covers "$role" "$access" "$path" "$p"; then
            SEEN[$role]+=" $p"
        else
            leaks+=" the cert_no of $p (${DIST[$p]})"$'\n'
        fi
    done
    for p in "${PERSONS[@]}"; do
        grep -qF "${NAME[$p]}" "$SCAN" || continue
        if covers "$role" "$access" "$path" "$p"; then NAMES_SEEN+=" $role:$p"; else leaks+=" the name of $p (${DIST[$p]})"$'\n'; fi
    done
    if [[ -n "$leaks" ]]; then
        not_ok "LEAK to $label ($code):" "$leaks"
    else
        ok "$label ($code): nothing out of scope"
    fi
}

routes=0
for svc in intake rules subsidy notify; do
    while read -r method path access; do
        routes=$((routes + 1))
        urls=("$path")
        if [[ "$path" == *'{id}'* ]]; then urls=("${path//\{id\}/${NID[$A]}}" "${path//\{id\}/${NID[$B]}}"); fi
        urls=("${urls[@]//\{file\}/app.js}")
        read -ra queries <<<"${QUERIES[$path]:-''}"
        for role in "${ROLES[@]}"; do
            for url in "${urls[@]}"; do
                for q in "${queries[@]}"; do call "$svc" "$method" "$path" "$access" "$role" "$url" "$q"; done
            done
        done
    done < <("$JIUYE_BIN/jiuye-$svc" --routes)
done
check "the route tables were read (at least 20 routes)" test "$routes" -ge 20
echo "# $calls calls over $routes routes; names shown in scope:${NAMES_SEEN:- none}"

# The scan saw data where there is some to see, or it proves nothing.
has_all() { local r=$1 p; shift; for p in "$@"; do [[ " ${SEEN[$r]:-} " == *" $p "* ]] || return 1; done; }
check "the operator's answers showed all four persons" has_all operator A1 A2 B1 B2
check "staff of $A saw their district's persons" has_all staff_a A1 A2
check "staff of $B saw theirs" has_all staff_b B1 B2
check "the auditor's /v1/audit rows named persons" test -n "${SEEN[auditor]:-}"

lib_finish
