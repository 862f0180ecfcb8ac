#!/usr/bin/env bash
# tests/tools/npm-tool.sh [--install] | BIN [ARGS...]: run an npm tool the API contract
# tests use (spectral, prism; the yaml parser for tests/tools/openapi_routes.js) at the
# version pinned in tests/tools/npm/package-lock.json.
#
# The tools are installed once into $JIUYE_NPM_DIR (build/npm) with `npm ci`, so a fresh
# machine (CI) needs only node, npm and the registry, and a second run installs nothing.
# The copy of the lock file beside them says which lock they came from: a changed lock
# installs again. --install only installs (prints the directory). Exit 127 when npm is
# missing or the install failed (its log is shown).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SPEC_DIR=$ROOT/tests/tools/npm
DIR=${JIUYE_NPM_DIR:-$ROOT/build/npm}

installed() { cmp -s "$SPEC_DIR/package-lock.json" "$DIR/.installed-lock.json"; }

install() {
    installed && return 0
    if ! command -v npm >/dev/null; then
        echo "npm-tool.sh: npm is not installed (Debian: apt-get install npm)" >&2
        return 127
    fi
    mkdir -p "$DIR"
    # Two tests may ask at once: one installs, the other waits for it.
    exec 9>"$DIR/.lock"
    flock 9
    if ! installed; then
        cp "$SPEC_DIR/package.json" "$SPEC_DIR/package-lock.json" "$DIR/"
        rm -f "$DIR/.installed-lock.json"
        if ! (cd "$DIR" && npm ci --no-audit --no-fund --loglevel=error) >"$DIR/install.log" 2>&1; then
            echo "npm-tool.sh: npm ci in $DIR failed:" >&2
            tail -30 "$DIR/install.log" >&2
            return 127
        fi
        cp "$SPEC_DIR/package-lock.json" "$DIR/.installed-lock.json"
    fi
    exec 9>&-
}

if [[ $# -eq 0 ]]; then
    echo "usage: $0 --install | BIN [ARGS...]   (BIN: spectral, prism, or node for a script needing the modules)" >&2
    exit 2
fi
install || exit 127
if [[ "$1" == --install ]]; then
    echo "$DIR"
    exit 0
fi
bin=$1
shift
if [[ "$bin" == node ]]; then
    # A script run with the installed modules on its search path (require('yaml')).
    NODE_PATH=$DIR/node_modules exec node "$@"
fi
exec "$DIR/node_modules/.bin/$bin" "$@"
