#!/usr/bin/env bash
# Every function another file may call has its contract written above it. Needs no service
# and no database, only the tree. For every header in common/, services/*/ and
# tools/jiuyectl/:
#   * the first line is a comment saying what the file is for;
#   * every function declared or defined at file scope (prototypes, and static inline
#     functions, which exist in a header to be called from the files including it) is
#     preceded by a comment: the previous non-blank line ends a /* ... */ comment standing
#     on its own lines, or the function is part of a run of declarations directly under
#     such a comment (no blank line between; value #defines and other declarations may
#     sit in the run, as in a _new/_destroy pair or a type with its functions).
# Each offender is listed as "file:line name".
. "$(dirname "$0")/../lib.sh"
lib_init
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 2

if ! FILES=$(git -c safe.directory="$ROOT" ls-files 2>/dev/null) || [[ -z "$FILES" ]]; then
    FILES=$(find . -type f -not -path './.git/*' -not -path './build/*' -not -path './var/*' | sed 's|^\./||' | sort)
fi
mapfile -t headers < <(grep -E '^(common|services/[^/]+|tools/jiuyectl)/[^/]+\.h$' <<<"$FILES" || true)
check "there are headers to check" test "${#headers[@]}" -gt 0

# --- each header says what it is for -----------------------------------------------------
bad=""
for h in "${headers[@]}"; do
    head -1 "$h" | grep -q -E '^/\* *[^ *]' || bad+="$h:1 does not open with a comment saying what it is for"$'\n'
done
if [[ -z "$bad" ]]; then
    ok "every header (${#headers[@]}) opens with a comment saying what it is for"
else
    not_ok "every header opens with a comment saying what it is for" "${bad%$'\n'}"
fi

# --- a contract above every function -----------------------------------------------------
# functions FILE: "+ file:line name" for each function of FILE with a comment above it,
# "- file:line name" for each without.
# Lines are classified after comments are cut out: blank; comment only (a standalone
# comment's last line opens a run); preprocessor (a "#define NAME VALUE" keeps the run,
# any other directive ends it); code, gathered into statements at brace depth 0 (ended by
# ";", or by the closing "}" of a function's body). A statement is a function when it
# does not start with typedef, and its first "(" follows an identifier (its name) with no
# "=" or "{" before it.
functions() {
    awk -v file="$1" '
    function classify(line,    i, c, n, code, started_with_code) {
        code = ""; n = length(line); cend = 0
        for (i = 1; i <= n; i++) {
            c = substr(line, i, 1)
            if (incomment) {
                if (c == "*" && substr(line, i + 1, 1) == "/") {
                    incomment = 0; i++
                    if (standalone) cend = 1
                }
                continue
            }
            if (c == "/" && substr(line, i + 1, 1) == "*") {
                incomment = 1; i++
                standalone = (code ~ /^[ \t]*$/ && !instmt)
                continue
            }
            if (c == "/" && substr(line, i + 1, 1) == "/") break
            code = code c
        }
        return code
    }
    function finish(    pre, p, name) {
        instmt = 0
        if (stmt ~ /^[ \t]*typedef[ \t]/) return
        p = index(stmt, "(")
        if (p == 0) return
        pre = substr(stmt, 1, p - 1)
        if (pre ~ /[={]/) return
        if (pre !~ /[A-Za-z_][A-Za-z0-9_]*[ \t]*$/) return
        name = pre
        sub(/[ \t]*$/, "", name)
        sub(/.*[^A-Za-z0-9_]/, "", name)
        printf "%s %s:%d %s\n", stmt_cover ? "+" : "-", file, stmt_line, name
    }
    BEGIN { incomment = 0; instmt = 0; cover = 0; ppcont = 0 }
    {
        was_in_comment = incomment
        code = classify($0)
        if (ppcont) { ppcont = ($0 ~ /\\[ \t]*$/); next }
        if (instmt) {
            stmt = stmt " " code
        } else if (code ~ /^[ \t]*$/) {
            if ($0 ~ /^[ \t]*$/ && !was_in_comment) cover = 0
            else if (cend) cover = 1
            next
        } else if (code ~ /^[ \t]*#/) {
            ppcont = ($0 ~ /\\[ \t]*$/)
            if (code !~ /^[ \t]*#[ \t]*define[ \t]+[A-Za-z_][A-Za-z0-9_]*(\([^)]*\))?[ \t]+[^ \t]/) cover = 0
            next
        } else {
            instmt = 1; stmt = code; stmt_line = NR; stmt_cover = cover
            depth = 0; fnbody = 0
        }
        # Where does the statement end? Scan only what this line added.
        n = length(code)
        for (i = 1; i <= n; i++) {
            c = substr(code, i, 1)
            if (c == "{") {
                if (depth == 0) {
                    before = substr(stmt, 1, length(stmt) - length(code) + i - 1)
                    fnbody = (before ~ /\)[ \t]*$/ && before !~ /^[ \t]*typedef[ \t]/)
                }
                depth++
            } else if (c == "}") {
                depth--
                if (depth == 0 && fnbody) { finish(); break }
            } else if (c == ";" && depth == 0) {
                finish(); break
            }
        }
    }' "$1"
}

# The parser is first shown a header whose every case is known, so that a parser that
# stops seeing an offender (or starts seeing one where there is none) fails here.
sample="$JIUYE_TEST_TMP/contracts_sample.h"
cat >"$sample" <<'EOF_SAMPLE'
/* sample.h: what the parser must tell apart. */
#ifndef SAMPLE_H
#define SAMPLE_H

int no_contract(void);

/* A contract for a pair. */
int pair_new(void);
void pair_destroy(int **p);

typedef struct s {
    /* a member's comment is no contract for what follows the type */
    int (*fn)(int);
} s_t;
int after_struct(s_t *s);

/* A type with its function, and a #define between. */
typedef struct t { int a; } t_t;
#define T_MAX 4
t_t *t_get(int i,
           int j) __attribute__((warn_unused_result));

int trailing(void); /* a trailing comment covers only its own line */
int after_trailing(void);

typedef int (*not_a_function)(int);
extern const int not_a_function_either;

static inline int inline_bare(int x) { return x; }
/* Documented inline. */
static inline int inline_documented(int x) {
    return x;
}

/* Cut off by a blank line. */

int after_blank(void);

#endif
EOF_SAMPLE
want="- $sample:5 no_contract
+ $sample:8 pair_new
+ $sample:9 pair_destroy
- $sample:15 after_struct
+ $sample:20 t_get
- $sample:23 trailing
- $sample:24 after_trailing
- $sample:29 inline_bare
+ $sample:31 inline_documented
- $sample:37 after_blank"
check_eq "the parser tells every case of a known header apart" "$want" "$(functions "$sample")"

all=$(for h in "${headers[@]}"; do functions "$h"; done)
nfun=$(grep -c '^[-+] ' <<<"$all" || true)
# A parser that saw nothing would pass everything: there are hundreds of functions.
if ((nfun >= 300)); then ok "the headers declare functions ($nfun)"; else not_ok "the headers declare functions" "found $nfun"; fi
found=$(sed -n 's/^- //p' <<<"$all")
if [[ -z "$found" ]]; then
    ok "every function declared in a header ($nfun) has a contract above it"
else
    not_ok "every function declared in a header has a contract above it" "$found"
fi

lib_finish
