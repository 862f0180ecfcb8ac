#!/usr/bin/env bash
# Structure: inside each service, the graph "file A calls a function defined in
# file B" has no circle, so that every file can be read knowing only the files
# below it. The graph comes from the sanitized build's objects (nm: a function
# B defines, T, that A leaves undefined, U; a table of function pointers counts
# as a call). The cycle finder is shown a circle first, so that a finder that
# can no longer see one fails here. Needs no database.
. "$(dirname "$0")/../lib.sh"
lib_init
objects=$JIUYE_BIN/../obj/services

# edges DIR: "A B" for each function B.o defines that A.o uses, once.
edges() {
    local o
    {
        for o in "$1"/*.o; do nm -g --defined-only "$o" | awk -v f="$(basename "$o" .o)" '$2 == "T" { print "D", $3, f }'; done
        for o in "$1"/*.o; do nm -u "$o" | awk -v f="$(basename "$o" .o)" '{ print "U", $NF, f }'; done
    } | awk '$1 == "D" { def[$2] = $3; next } ($2 in def) && def[$2] != $3 { print $3, def[$2] }' | sort -u
}

# find_cycle: edges "A B" on stdin; prints one circle ("a -> b -> a"), or nothing.
find_cycle() {
    awk '
    function visit(v,    i, w, k) {
        color[v] = 1
        stack[++depth] = v
        for (i = 1; i <= n_out[v]; i++) {
            w = out[v, i]
            if (color[w] == 1) {
                for (k = 1; k <= depth && stack[k] != w; k++) {}
                for (cycle = ""; k <= depth; k++) cycle = cycle stack[k] " -> "
                cycle = cycle w
                return 1
            }
            if (!color[w] && visit(w)) return 1
        }
        color[v] = 2
        depth--
        return 0
    }
    { out[$1, ++n_out[$1]] = $2; nodes[$1]; nodes[$2] }
    END { for (v in nodes) if (!color[v] && visit(v)) { print cycle; exit } }'
}

check_eq "the finder sees a circle of three files" "1" \
    "$(printf 'a b\nb c\nc a\nc d\n' | find_cycle | grep -c '^\(a -> b -> c -> a\|b -> c -> a -> b\|c -> a -> b -> c\)$')"
check_eq "the finder passes a graph without one" "" "$(printf 'a b\nb c\na c\nc d\n' | find_cycle)"

for svc in intake rules subsidy notify; do
    graph=$(edges "$objects/$svc")
    check "$svc: its objects call each other ($(wc -l <<<"$graph") edges)" test -n "$graph"
    check_eq "$svc: no two files call each other in a circle" "" "$(find_cycle <<<"$graph")"
done
lib_finish
