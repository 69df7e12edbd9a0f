#!/usr/bin/env bash
# Builds the libFuzzer targets (Fuzz/Package.swift) with release optimisation and AddressSanitizer,
# then runs each from its seed corpus and prints, per target, the executions and what it found.
#
#   tools/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#
# SECONDS_PER_TARGET defaults to 60. TARGET is a corpus name (safetensors gguf config tokenizer
# chat-template session-archive offload requests; all of them by default). New inputs the fuzzer
# finds go to Fuzz/.build/corpus/<target> (not the committed seeds); crashes, timeouts and
# out-of-memory inputs to Fuzz/.build/findings/<target>/; logs to Fuzz/.build/logs/<target>.log.
# The exit status is 1 when any target found something. FUZZ_JOBS=N runs N targets at a time.
# FUZZ_RUNS=N stops each target after N executions (libFuzzer's -runs), or at SECONDS_PER_TARGET
# if that comes first: `FUZZ_RUNS=1000000 tools/fuzz.sh 3600` runs each target to a million.
set -u
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
all=(safetensors gguf config tokenizer chat-template session-archive offload requests)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")

# corpus name -> executable name (chat-template -> FuzzChatTemplate, gguf -> FuzzGGUF).
executable() {
    case "$1" in
        gguf) echo FuzzGGUF ;;
        *) echo "Fuzz$(echo "$1" | sed -E 's/(^|-)([a-z])/\U\2/g')" ;;
    esac
}

for t in "${targets[@]}"; do
    if [[ ! " ${all[*]} " == *" $t "* ]]; then echo "fuzz.sh: unknown target '$t' (targets: ${all[*]})" >&2; exit 2; fi
done

# -sanitize=fuzzer adds libFuzzer's coverage instrumentation and links its driver (each target's
# @main hands control to LLVMFuzzerRunDriver); -enable-testing is not needed. SwiftPM's release
# configuration compiles with -O (SkeinTensor's kernels with -Ounchecked, as in the shipped build).
nice -n 10 swift build -c release --package-path Fuzz --scratch-path Fuzz/.build \
    -Xswiftc -sanitize=fuzzer,address 2>&1 | grep -E "error|warning: unre|Compiling|Build complete" | tail -5
bin=Fuzz/.build/release
[ -x "$bin/$(executable "${targets[0]}")" ] || { echo "fuzz.sh: build failed" >&2; exit 2; }

found=0
run_one() {
    local t=$1 exe; exe=$(executable "$t")
    local work=Fuzz/.build/corpus/$t findings=Fuzz/.build/findings/$t log=Fuzz/.build/logs/$t.log
    mkdir -p "$work" "$findings" Fuzz/.build/logs
    touch "$findings/.start"  # findings of earlier runs stay, and are not counted again
    local start; start=$(date +%s)
    local runs_option=()
    [ -n "${FUZZ_RUNS:-}" ] && runs_option=(-runs="$FUZZ_RUNS")
    ASAN_OPTIONS=detect_leaks=0 nice -n 10 "$bin/$exe" -max_total_time="$seconds" "${runs_option[@]}" -rss_limit_mb=2048 -timeout=5 \
        -max_len=65536 -artifact_prefix="$findings/" -print_final_stats=1 "$work" "Fuzz/Corpus/$t" > "$log" 2>&1
    local status=$? elapsed=$(( $(date +%s) - start ))
    local runs; runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' | tail -1)
    [ -z "$runs" ] && runs=$(grep -Eo '^#[0-9]+' "$log" | tail -1 | tr -d '#')
    local crashes timeouts ooms
    crashes=$(find "$findings" -name 'crash-*' -newer "$findings/.start" | wc -l)
    timeouts=$(find "$findings" -name 'timeout-*' -newer "$findings/.start" | wc -l)
    ooms=$(find "$findings" -name 'oom-*' -newer "$findings/.start" | wc -l)
    local verdict="no findings"
    if [ "$status" -ne 0 ] || [ $((crashes + timeouts + ooms)) -gt 0 ]; then verdict="FOUND: see $findings and $log"; fi
    printf '%-16s %12s execs %6ss  crashes %s, timeouts %s, ooms %s  (exit %s)  %s\n' \
        "$t" "${runs:-0}" "$elapsed" "$crashes" "$timeouts" "$ooms" "$status" "$verdict"
    [ "$verdict" = "no findings" ]
}

jobs=${FUZZ_JOBS:-1}
printf '%-16s %12s       %6s  %s\n' target executions seconds findings
for t in "${targets[@]}"; do
    if [ "$jobs" -gt 1 ]; then
        while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || found=1; done
        run_one "$t" &
    else
        run_one "$t" || found=1
    fi
done
while [ "$(jobs -rp | wc -l)" -gt 0 ]; do wait -n || found=1; done
exit $found
