# shellcheck shell=bash
# tests/tools/openapi_test.sh: sourced by the API contract tests (tests/integration/openapi_*.sh,
# tests/e2e/openapi_contract.sh) after tests/lib.sh's lib_init. Sets ROOT (the checkout),
# SPEC (docs/api/openapi.yaml), NPM_TOOL (tests/tools/npm-tool.sh) and NPM_DIR (where the
# pinned tools are), installing them first if need be; without them the test cannot run,
# so a failed install is a "not ok" and the end of the script.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck disable=SC2034 # for the scripts that source this
SPEC=$ROOT/docs/api/openapi.yaml
NPM_TOOL=$ROOT/tests/tools/npm-tool.sh
if ! NPM_DIR=$("$NPM_TOOL" --install 2>&1); then
    not_ok "the npm tools install (tests/tools/npm-tool.sh)" "$NPM_DIR"
    lib_finish
fi

# routes_of SERVICE: print `jiuye-SERVICE --routes` (its "METHOD PATH ACCESS" lines), or
# return 1 with what it printed instead. Without a database and within a few seconds: a
# build without the option would start the service rather than answer.
routes_of() {
    local svc=$1 out rc=0 line='^(GET|POST|PUT|DELETE|PATCH|HEAD) /[^ ]* [a-z,]+$'
    out=$(timeout -k 2 5 env -i PATH="$PATH" JIUYE_DB="host=/nonexistent dbname=none connect_timeout=1" \
        JIUYE_HTTP_ADDR=127.0.0.1 "${svc^^}_HTTP_PORT=$(svc_port "$svc")" \
        "$JIUYE_BIN/jiuye-$svc" --routes 2>&1) || rc=$?
    if ((rc == 0)) && grep -qE "$line" <<<"$out" && ! grep -vqE "$line|^$" <<<"$out"; then
        echo "$out"
        return 0
    fi
    echo "exit $rc; want \"METHOD PATH ACCESS\" lines only (the option comes with access control); got:"
    head -10 <<<"$out"
    return 1
}
