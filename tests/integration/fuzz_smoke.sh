#!/usr/bin/env bash
# Fuzz smoke test: intake's two decoders (tests/fuzz/) run clean under libFuzzer, ASan and
# UBSan for FUZZ_SMOKE_SECONDS (10) s each, starting from the committed seeds.
#
# Builds build/fuzz/* if needed (make fuzz-build; clang), and fuzzes a scratch copy of each
# corpus so that nothing new lands in tests/fuzz/corpus/. A crash, leak, timeout or broken
# property is a "not ok" with the fuzzer's report and the input (base64) to reproduce it:
#   base64 -d > crash.bin; build/fuzz/fuzz_event_json crash.bin
# The long run is `make fuzz` (FUZZ_SECONDS, default 300).
. "$(dirname "$0")/../lib.sh"
lib_init
cd "$(dirname "$0")/../.." || exit 2

secs=${FUZZ_SMOKE_SECONDS:-10}
work=$JIUYE_TEST_TMP/fuzz
mkdir -p "$work"

if ! out=$(make -s --no-print-directory fuzz-build 2>&1); then
    not_ok "fuzz targets build (make fuzz-build)" "$(tail -30 <<<"$out")"
    lib_finish
fi

# The report of a failed run: from the first sanitizer/property line, else the tail.
report_of() {
    local log=$1
    local pat='ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|property failed'
    if grep -qE "$pat" "$log"; then
        grep -m1 -B2 -A45 -E "$pat" "$log"
    else
        tail -30 "$log"
    fi
}

for name in fuzz_event_json fuzz_event_proto; do
    c=${name#fuzz_}
    corpus=$work/corpus/$c
    arts=$work/artifacts/$c
    log=$work/$name.log
    mkdir -p "$corpus" "$arts"
    cp tests/fuzz/corpus/"$c"/* "$corpus"/
    dict=()
    [[ -f tests/fuzz/$c.dict ]] && dict=(-dict="tests/fuzz/$c.dict")
    rc=0
    timeout -k 10 $((secs + 120)) build/fuzz/"$name" -max_total_time="$secs" -max_len=65536 \
        -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$arts/" \
        "${dict[@]}" "$corpus" >"$log" 2>&1 </dev/null || rc=$?
    execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -1)
    if ((rc == 0)); then
        ok "$name runs clean for $secs s"
        cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" | tail -1)
        echo "# ${execs:-?} execs, $cov"
    else
        detail="exit status $rc; full log $log"$'\n'"$(report_of "$log")"
        for a in "$arts"/*; do
            [[ -f "$a" ]] || continue
            detail+=$'\n'"input $(basename "$a") ($(stat -c %s "$a") bytes), base64:"
            detail+=$'\n'"$(head -c 4096 "$a" | base64 -w 100)"
        done
        not_ok "$name runs clean for $secs s" "$detail"
    fi
done
lib_finish
