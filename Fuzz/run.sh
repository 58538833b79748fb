#!/usr/bin/env bash
# Builds the libFuzzer targets (STYLE.md §5), replays every known fail case, then fuzzes each target for a bounded
# time from its committed seed corpus. Exits non-zero when any replay or fuzzing run crashes, leaks, times out or
# runs out of memory.
#
#   Fuzz/run.sh                    # 60 s per fuzzer
#   FUZZ_SECONDS=20 Fuzz/run.sh    # CI
#   Fuzz/run.sh FuzzSyslog         # only the named fuzzers
#   FUZZ_SECONDS=0 Fuzz/run.sh     # build and replay only
#
# Layout and build follow swift-protobuf's FuzzTesting/ (do_build.sh --run-regressions). New inputs found while
# fuzzing go to .build/fuzz/<name>/corpus, never into the committed Corpus/; crash artifacts go to
# .build/fuzz/<name>/. Move a real crasher to FailCases/<name>/ and add a regression test for it.
set -uo pipefail

cd "$(dirname "$0")"
readonly SECONDS_PER_FUZZER="${FUZZ_SECONDS:-60}"
readonly ALL_FUZZERS=(FuzzAppEvent FuzzSyslog FuzzSegment FuzzConfig FuzzIPList)
if [[ $# -gt 0 ]]; then FUZZERS=("$@"); else FUZZERS=("${ALL_FUZZERS[@]}"); fi

# Swift's crash backtracer reads the crashed process's stack in a way AddressSanitizer reports as a
# dynamic-stack-buffer-overflow, which hides the real report; libFuzzer and ASan print the stack anyway.
export SWIFT_BACKTRACE=enable=no
# Third-party leaks only (TOMLKit; see lsan.supp). Our own code's leaks still fail the run.
export LSAN_OPTIONS="suppressions=$PWD/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

echo "=== build (debug, -sanitize=fuzzer,address)"
# -Xcxx -DNDEBUG: toml++ (C++, inside TOMLKit) is built as it ships in release: its debug assertions fire on
# several malformed documents (marzer/tomlplusplus#294 and others), which would stop FuzzConfig within seconds on
# third-party bugs. ASan still instruments nothing in it, but our Swift code around it is fully checked.
build_start=$(date +%s)
# ld.gold warns "Cannot export local symbol '__asan_…'" for every ASan thunk; filter that noise only.
swift build -c debug -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xcxx -DNDEBUG 2>&1 \
    | grep -v "Cannot export local symbol"
build_status=${PIPESTATUS[0]}
echo "build: $(( $(date +%s) - build_start )) s, exit $build_status"
[[ $build_status -eq 0 ]] || exit "$build_status"
bin_dir="$(swift build -c debug -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xcxx -DNDEBUG --show-bin-path)"

failed=()
for name in "${FUZZERS[@]}"; do
    bin="$bin_dir/$name"
    [[ -x "$bin" ]] || { echo "no fuzzer named $name" >&2; failed+=("$name:missing"); continue; }
    work=".build/fuzz/$name"
    mkdir -p "$work/corpus"
    common=(-timeout=10 -rss_limit_mb=2048 -artifact_prefix="$work/")
    # CI fuzzes from a fixed seed, so that a run is repeatable and a red CI is about the change under test, not
    # the luck of the draw; run.sh outside CI (or FUZZ_SEED=0) draws a new seed each run to explore further.
    if [[ -n "${FUZZ_SEED:-}" ]]; then common+=(-seed="$FUZZ_SEED"); elif [[ "${CI:-}" == true ]]; then common+=(-seed=1); fi
    # TOMLKit leaks on every parse (lsan.supp), so libFuzzer's per-input leak check would run a full LSan scan
    # after every input (~200 exec/s instead of thousands) and find nothing of ours.
    [[ "$name" == FuzzConfig ]] && common+=(-detect_leaks=0)

    shopt -s nullglob
    cases=(FailCases/"$name"/*)
    shopt -u nullglob
    if [[ ${#cases[@]} -gt 0 ]]; then
        echo "=== $name: replaying ${#cases[@]} fail case(s)"
        # Given files (not directories), libFuzzer runs each once and exits non-zero on the first crash.
        if ! "$bin" "${common[@]}" "${cases[@]}" > "$work/replay.log" 2>&1; then
            grep -v "Cannot export local symbol" "$work/replay.log" | tail -n 60
            echo "!!! $name: a fail case crashes again (log: Fuzz/$work/replay.log)"
            failed+=("$name:replay")
        fi
    fi

    [[ "$SECONDS_PER_FUZZER" -gt 0 ]] || continue
    echo "=== $name: fuzzing for ${SECONDS_PER_FUZZER} s"
    # The first corpus directory receives new inputs; the committed seeds are only read.
    if "$bin" "${common[@]}" -max_total_time="$SECONDS_PER_FUZZER" -print_final_stats=1 \
        "$work/corpus" "Corpus/$name" > "$work/fuzz.log" 2>&1; then
        grep -E "^#[0-9]+[[:space:]]+DONE" "$work/fuzz.log" | tail -n 1
        grep -E "^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)" "$work/fuzz.log" | tr '\n' ' '
        echo
    else
        grep -v "Cannot export local symbol" "$work/fuzz.log" | tail -n 80
        echo "!!! $name: fuzzing found a failure; artifact in Fuzz/$work/ (log: Fuzz/$work/fuzz.log)"
        failed+=("$name:fuzz")
    fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
    echo "FAILED: ${failed[*]}"
    exit 1
fi
echo "all fuzzers clean"
