#!/usr/bin/env bash
# The repository stands alone: a clone holds everything it cites. Needs no service and no
# database, only the tree:
#   * README.md is a front page (at most 150 lines) whose first lines give `make demo` and
#     `make test`;
#   * docs/ has the four documents, and nothing in the tree outside docs/ cites the design
#     notes the project started from, nor does docs/ point outside the repository;
#   * every "docs/policy.md §N" cited names a section of docs/policy.md (and every "§6
#     example N" an example), every docs/<name>.md "Section" cited names a heading or a
#     named design note of that document;
#   * no comment carries history: ticket or README item numbers, work sessions.
# The patterns are assembled from pieces so that this file does not match itself.
. "$(dirname "$0")/../lib.sh"
lib_init
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 2

# The tracked files (a tarball without .git: every file but build products).
if ! FILES=$(git -c safe.directory="$ROOT" ls-files 2>/dev/null) || [[ -z "$FILES" ]]; then
    FILES=$(find . -type f -not -path './.git/*' -not -path './build/*' -not -path './var/*' | sed 's|^\./||' | sort)
fi
# files_matching EGREP_OF_PATHS: the tracked files whose path matches, one per line.
files_matching() { grep -E "$1" <<<"$FILES" || true; }
# hits PATTERN_KIND PATTERN FILE...: "file:line:text" of every match (grep -E or -F).
hits() {
    local kind=$1 pat=$2
    shift 2
    (($# > 0)) || return 0
    grep -n -I "-$kind" -e "$pat" -- "$@" 2>/dev/null || true
}

# --- README ------------------------------------------------------------------------------
lines=$(wc -l <README.md)
if ((lines <= 150)); then ok "README.md is at most 150 lines ($lines)"; else not_ok "README.md is at most 150 lines" "it has $lines"; fi
head10=$(head -10 README.md)
check "README.md's first lines give make demo" grep -q -E '^make demo\b' <<<"$head10"
check "README.md's first lines give make test" grep -q -E '^make test\b' <<<"$head10"

# --- docs/ -------------------------------------------------------------------------------
for d in policy architecture operations performance; do
    check "docs/$d.md exists and is not empty" test -s "docs/$d.md"
done
check "docs/api/ exists" test -d docs/api

mapfile -t outside < <(files_matching '^' | grep -v -E '^docs/')
mapfile -t indocs < <(files_matching '^docs/')
up_shared="\.\./""shared"
policy_name="POLICY"".md"
design_name="DESIGN"".md"
what="no file outside docs/ cites ../""shared, $policy_name or $design_name"
found=$(hits E "$up_shared|(^|[^a-z/])$policy_name|(^|[^a-z/])$design_name" "${outside[@]}")
if [[ -z "$found" ]]; then ok "$what"; else not_ok "$what" "$(head -20 <<<"$found")"; fi
found=$(hits E "$up_shared|/work/|(^|[^a-z/])$policy_name|(^|[^a-z/])$design_name" "${indocs[@]}" README.md)
if [[ -z "$found" ]]; then
    ok "docs/ and README.md point nowhere outside the repository"
else
    not_ok "docs/ and README.md point nowhere outside the repository" "$(head -20 <<<"$found")"
fi

# --- citations ---------------------------------------------------------------------------
# Sections of docs/policy.md: "## N. Title" headings; examples: "N." or "N\." at a line start.
mapfile -t sections < <(sed -n -E 's/^## ([0-9]+)\. .*/\1/p' docs/policy.md)
mapfile -t examples < <(sed -n -E 's/^([0-9]+)\\?\. .*/\1/p' docs/policy.md)
check_eq "docs/policy.md has sections 1-8" "1 2 3 4 5 6 7 8" "${sections[*]}"
mapfile -t citing < <(files_matching '^' | grep -v -E '^docs/policy\.md$')
bad=""
cited=0
while IFS= read -r hit; do
    [[ -n "$hit" ]] || continue
    where=${hit%%:docs/policy.md*}
    for n in $(grep -o -E '§[0-9]+' <<<"${hit#"$where"}" | tr -d '§'); do
        cited=$((cited + 1))
        [[ " ${sections[*]} " == *" $n "* ]] || bad+="$where: §$n"$'\n'
    done
done < <(grep -n -I -o -E 'docs/policy\.md( §[0-9]+((, |-)§[0-9]+)*)' -- "${citing[@]}" 2>/dev/null)
if [[ -z "$bad" ]] && ((cited > 0)); then
    ok "every docs/policy.md §N cited ($cited) names a section of docs/policy.md"
else
    not_ok "every docs/policy.md §N cited names a section of docs/policy.md" "cited: $cited"$'\n'"$bad"
fi
bad=""
while IFS= read -r hit; do
    [[ -n "$hit" ]] || continue
    n=${hit##* }
    [[ " ${examples[*]} " == *" $n "* ]] || bad+="$hit"$'\n'
done < <(grep -n -I -o -E 'docs/policy\.md §6 examples? [0-9]+' -- "${citing[@]}" 2>/dev/null)
if [[ -z "$bad" ]]; then ok "every docs/policy.md §6 example N cited is an example there"; else not_ok "every docs/policy.md §6 example N cited is an example there" "$bad"; fi

# docs/<name>.md "Section": a heading that starts with it (or with what precedes its ':'),
# or a named design note (**Section...).
bad=""
cited=0
while IFS= read -r hit; do
    [[ -n "$hit" ]] || continue
    doc=$(grep -o -E 'docs/[a-z]+\.md' <<<"$hit")
    name=$(sed -E 's/.*\.md "([^"]*)"/\1/' <<<"$hit")
    head=${name%%:*}
    cited=$((cited + 1))
    if [[ ! -f "$doc" ]]; then
        bad+="$hit (no $doc)"$'\n'
    elif ! grep -q -E "^#+ " <(grep -F -e "# $head" "$doc") && ! grep -q -F -e "**$head" "$doc"; then
        bad+="$hit"$'\n'
    fi
done < <(grep -h -I -o -E 'docs/(architecture|operations|performance)\.md "[^"]+"' -- "${citing[@]}" 2>/dev/null | sort -u)
if [[ -z "$bad" ]] && ((cited > 0)); then
    ok "every docs/<name>.md \"Section\" cited ($cited) is a heading or a named note there"
else
    not_ok "every docs/<name>.md \"Section\" cited is a heading or a named note there" "cited: $cited"$'\n'"$bad"
fi

# --- history stays in git ----------------------------------------------------------------
mapfile -t code < <(files_matching '^(common|services|tools|tests|ops|proto)/|^Makefile$|^docker-compose\.yml$' |
    grep -v -E '^tests/fuzz/corpus/')
readme_item="README""( \"?Performance\"?,?)? items? [0-9]"
ticket="\b[Ii]ssues? #?[0-9]+"
item="\b[Ii]tems? [0-9]+\b"
work_session="\b(this|that|last|previous|next|earlier|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth) session\b"
for p in "$readme_item" "$ticket" "$item" "$work_session"; do
    found=$(hits E "$p" "${code[@]}")
    if [[ -z "$found" ]]; then
        ok "no code or comment carries /$p/"
    else
        not_ok "no code or comment carries /$p/" "$(head -20 <<<"$found")"
    fi
done

lib_finish
