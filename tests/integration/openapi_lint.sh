#!/usr/bin/env bash
# docs/api/openapi.yaml is a clean OpenAPI document: spectral (spectral:oas with the
# project's .spectral.yaml, every warning an error) finds nothing, which also checks every
# example against its schema (oas3-valid-media-example), so the example of each event type
# of POST /v1/events is a valid event of the spec. The spec's Event variants are the types
# intake accepts (services/intake/event_codec.c's EVENT_TYPES), each with an example. Every
# route behind a token documents the refusals of access control. And the linter really
# lints: the spec with one response description removed is refused.
# The tools come from tests/tools/npm-tool.sh (pinned, installed once into build/npm).
. "$(dirname "$0")/../lib.sh"
lib_init
. "$(dirname "$0")/../tools/openapi_test.sh"
cd "$ROOT" || exit 1
ok "the npm tools are installed in $NPM_DIR"

check "spectral lint docs/api/openapi.yaml: no warning" "$NPM_TOOL" spectral lint --fail-severity=warn --ruleset .spectral.yaml "$SPEC"

mapfile -t types < <(sed -nE 's/^ *\{"([a-z_]+\.[a-z_]+)", JIUYE__EVENT__PAYLOAD_.*/\1/p' services/intake/event_codec.c)
check "event types read from event_codec.c (${#types[@]})" test "${#types[@]}" -gt 0
check "the spec's Event variants are intake's event types, each with an example" \
    "$NPM_TOOL" node tests/tools/openapi_check.js event-types "$SPEC" "${types[@]}"

check "every route behind a token answers 401, 403, 429 with Retry-After, and 503" \
    "$NPM_TOOL" node tests/tools/openapi_check.js refusals "$SPEC"

# The same lint must refuse a broken copy: a response without its description.
broken=$JIUYE_TEST_TMP/openapi-broken.yaml
sed '0,/          description: The service is up\./s//          x-undescribed: true/' "$SPEC" >"$broken"
if cmp -s "$SPEC" "$broken"; then
    not_ok "a response description to remove was found (/healthz 200)"
else
    rc=0
    out=$("$NPM_TOOL" spectral lint --fail-severity=warn --ruleset .spectral.yaml "$broken" 2>&1) || rc=$?
    if ((rc != 0)) && grep -q 'must have required property "description"' <<<"$out"; then
        ok "spectral refuses the spec without a response description"
    else
        not_ok "spectral refuses the spec without a response description" "exit $rc:"$'\n'"$out"
    fi
fi
lib_finish
