#!/usr/bin/env bash
# Every text column of the four schemas compares bytes (COLLATE "C"), as migration
# 015_collation_c made them: a column left to the database's library collation makes
# each btree comparison on it a strcoll (docs/performance.md). A migration
# that adds a column without COLLATE "C" fails here, naming the column.
. "$(dirname "$0")/../lib.sh"
lib_init
# Collatable columns of the four schemas' tables: "schema.table.column collation" each.
columns() {
  sql "SELECT format('%s.%s.%s %s', n.nspname, c.relname, a.attname, l.collname)
         FROM pg_attribute a
         JOIN pg_class c ON c.oid = a.attrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_collation l ON l.oid = a.attcollation
        WHERE n.nspname IN ('intake', 'rules', 'subsidy', 'notify') AND c.relkind IN ('r', 'p')
          AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY 1"
}
all=$(columns) || all="(query failed)"
check "the four schemas have text columns to look at ($(wc -l <<<"$all"))" test "$(wc -l <<<"$all")" -ge 50
check_eq "every text column of the four schemas is COLLATE \"C\"" "" "$(grep -v ' C$' <<<"$all" || true)"
# Byte order is the order the database's default collation (C.UTF-8) gave: code point order.
order() { sql "SELECT string_agg(s, ',' ORDER BY s COLLATE \"$1\") FROM unnest(ARRAY['业', 'z', '就', 'é', 'Z', 'a', '9']) s"; }
check_eq "\"C\" orders UTF-8 text by code point" "9,Z,a,z,é,业,就" "$(order C)"
check_eq "\"C\" orders as the database's default collation did" "$(order default)" "$(order C)"
lib_finish
