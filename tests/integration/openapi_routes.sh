#!/usr/bin/env bash
# The routes of docs/api/openapi.yaml are the routes the services serve: per service, the
# set of (METHOD, PATH) of the spec equals what `jiuye-<service> --routes` prints ("METHOD
# PATH ACCESS" a line, without connecting to anything), and each route's ACCESS equals the
# operation's x-jiuye-access and the roles of its security schemes
# (tests/tools/openapi_check.js routes). A binary without --routes fails this test.
# First the comparison itself is checked on the hand-made table openapi_routes.list: it
# passes as it is and fails with a route missing from the spec, a route missing from the
# services, or another access.
. "$(dirname "$0")/../lib.sh"
lib_init
. "$(dirname "$0")/../tools/openapi_test.sh"
cd "$ROOT" || exit 1
LIST=tests/integration/openapi_routes.list

# compare NAME WANT_RC WANT_TEXT: the comparison of stdin with the spec exits WANT_RC and,
# when WANT_TEXT is not empty, says it.
compare() {
    local name=$1 want_rc=$2 want_text=$3 out rc=0
    out=$("$NPM_TOOL" node tests/tools/openapi_check.js routes "$SPEC" 2>&1) || rc=$?
    if ((rc == want_rc)) && { [[ -z "$want_text" ]] || grep -qF -- "$want_text" <<<"$out"; }; then
        ok "$name"
    else
        not_ok "$name" "exit $rc (want $want_rc${want_text:+, saying \"$want_text\"}):"$'\n'"$out"
    fi
}

compare "the hand-made route table matches the spec" 0 "" <"$LIST"
compare "a served route missing from the spec is reported" 1 \
    "rules: GET /v1/secret is served but not in the spec" < <(cat "$LIST"; echo "rules GET /v1/secret operator")
compare "a spec route no service serves is reported" 1 \
    "subsidy: GET /v1/kpi is in the spec but not served" < <(grep -v '^subsidy GET /v1/kpi ' "$LIST")
compare "another access is reported" 1 \
    "rules: POST /v1/replay is served to operator,staff, the spec's x-jiuye-access says operator" \
    < <(sed 's|^rules POST /v1/replay operator$|rules POST /v1/replay operator,staff|' "$LIST")

# The real tables. No database, no ports: --routes must answer at once; an older binary
# would try to start the service instead, so it gets a few seconds and nothing to reach.
table=$JIUYE_TEST_TMP/openapi-routes.txt
: >"$table"
have_all=1
for svc in intake rules subsidy notify; do
    if ! out=$(routes_of "$svc"); then
        have_all=0
        not_ok "jiuye-$svc --routes prints its route table" "$out"
        continue
    fi
    ok "jiuye-$svc --routes prints its route table ($(grep -c . <<<"$out") routes)"
    sed "/./s/^/$svc /" <<<"$out" >>"$table"
done
if ((have_all)); then
    compare "the spec's routes and access are the services' (--routes)" 0 "" <"$table"
else
    not_ok "the spec's routes and access are the services' (--routes)" "not compared: a route table is missing"
fi
lib_finish
