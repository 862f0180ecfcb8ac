# shellcheck shell=bash
# tests/tools/openapi_test.sh: sourced by the API contract tests (tests/integration/openapi_*.sh,
# tests/e2e/openapi_contract.sh) after tests/lib.sh's lib_init. Sets ROOT (the checkout),
# SPEC (docs/api/openapi.yaml), NPM_TOOL (tests/tools/npm-tool.sh) and NPM_DIR (where the
# pinned tools are), installing them first if need be; without them the test cannot run,
# so a failed install is a "not ok" and the end of the script.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SPEC=$ROOT/docs/api/openapi.yaml
NPM_TOOL=$ROOT/tests/tools/npm-tool.sh
if ! NPM_DIR=$("$NPM_TOOL" --install 2>&1); then
    not_ok "the npm tools install (tests/tools/npm-tool.sh)" "$NPM_DIR"
    lib_finish
fi
