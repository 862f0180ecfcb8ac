#!/usr/bin/env bash
# Data ownership (docs/architecture.md): each service's role reaches its own schema and no
# other, and nobody but the owner writes to public.
. "$(dirname "$0")/../lib.sh"
lib_init
as() { psql -X -tAq -v ON_ERROR_STOP=1 -U "jiuye_$1" -c "$2" 2>&1; }
declare -A own=([intake]=intake.events [rules]=rules.decisions [subsidy]=subsidy.awards [notify]=notify.notifications)
for svc in intake rules subsidy notify; do
  check "$svc reads its own ${own[$svc]}" as "$svc" "SELECT count(*) FROM ${own[$svc]}"
  for other in intake rules subsidy notify; do
    [[ $other == "$svc" ]] && continue
    out=$(as "$svc" "SELECT count(*) FROM ${own[$other]}" || true)
    check "$svc cannot read ${own[$other]}" grep -q 'permission denied for schema' <<<"$out"
  done
  out=$(as "$svc" "CREATE TABLE public.x (i int)" || true)
  check "$svc cannot create tables in public" grep -q 'permission denied for schema public' <<<"$out"
done
# One statement string is one transaction: the award inserted to be edited is rolled back with it.
row="INSERT INTO subsidy.awards (award_id, decision_id, program, rule, beneficiary, district, year, amount_fen, status, body)
     VALUES ('roles-test', 'd', 'P', 'R01', 'b', '320706', 2024, 100, 'granted', '{}');"
out=$(as subsidy "$row UPDATE subsidy.awards SET amount_fen = 0" || true)
check "the award ledger refuses UPDATE, even by its owner" grep -q 'subsidy.awards is append-only' <<<"$out"
out=$(as subsidy "$row DELETE FROM subsidy.awards" || true)
check "the award ledger refuses DELETE" grep -q 'append-only: correct an award with a reversal, never by DELETE' <<<"$out"
lib_finish
