#!/usr/bin/env bash
# Side-by-side throughput on one machine, in one run (docs/performance.md):
#   - a generated Postfix log of SIZE_MB (default 1024) read by `wc -l` (the memory-bandwidth floor),
#     by `mxtriage triage` and `mxtriage diagnose --json` on one thread, by `mxtriage triage` on two
#     threads over the same log split in two files, and by pflogsumm (Debian's Postfix log
#     summariser);
#   - the bounce corpus (tests/data/corpus), ten passes, through `mxtriage diagnose --json`;
#   - peak memory of each command (GNU time's maximum resident set size).
# Ratios are computed from figures measured in this run (medians of three runs for wc -l and
# triage), since the machine's speed varies.
#
# usage: bench/run-bench.sh [SIZE_MB] [WORKDIR]
#   MXTRIAGE=path/to/mxtriage   the binary to measure (default: build/mxtriage, built by `make bench`)
#   SKIP_PFLOGSUMM=1            leave pflogsumm out (it takes minutes on 1 GB)
set -euo pipefail

size_mb=${1:-1024}
work=${2:-/tmp/mxtriage-bench}
here=$(cd "$(dirname "$0")/.." && pwd)
mxt=${MXTRIAGE:-$here/build/mxtriage}
mkdir -p "$work"

[[ -x $mxt ]] || { echo "run-bench: $mxt not found; run 'make bench' first" >&2; exit 2; }
command -v /usr/bin/time >/dev/null || { echo "run-bench: needs GNU time (apt-get install time)" >&2; exit 2; }
if [[ -z ${SKIP_PFLOGSUMM:-} ]] && ! command -v pflogsumm >/dev/null; then
  echo "run-bench: installing pflogsumm" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q pflogsumm >/dev/null
fi

log=$work/postfix-${size_mb}m.log
if [[ ! -s $log ]]; then
  python3 "$here/bench/gen-postfix-log.py" "$log" "$size_mb" >&2
fi
bytes=$(stat -c %s "$log")
# The same log in two halves, cut at a line boundary, for the two-thread run (inputs are what
# threads share out: one file is read by one thread).
if [[ ! -s $work/half-2.log ]] || [[ $work/half-2.log -ot $log ]]; then
  lines=$(wc -l < "$log")
  head -n $((lines / 2)) "$log" > "$work/half-1.log"
  tail -n +$((lines / 2 + 1)) "$log" > "$work/half-2.log"
fi
cat "$log" > /dev/null  # into the page cache, so every command reads from memory

results=()
# calc EXPR [DECIMALS]: floating-point arithmetic with awk (always present, unlike bc).
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }
# run NAME COMMAND...: prints wall, user, sys and peak RSS; remembers the wall time.
run() {
  local name=$1; shift
  local out
  # GNU time's line is the last on stderr; the command's own output is dropped, and its exit
  # status (triage exits 1 when the gate is not go) is not an error here.
  out=$( { /usr/bin/time -f '%e %U %S %M' bash -c '"$@" >/dev/null 2>/dev/null; exit 0' _ "$@"; } 2>&1 | tail -1)
  read -r wall user sys rss <<< "$out"
  results+=("$name|$wall|$user|$sys|$rss")
  printf '%-44s wall %7.2f s  user %7.2f s  sys %5.2f s  peak %7.1f MB\n' "$name" "$wall" "$user" "$sys" \
    "$(calc "$rss / 1024")"
}

# run_median N NAME COMMAND...: runs the command N times and keeps the median wall time (the
# machine's speed drifts from one minute to the next; one slow run must not decide a ratio).
run_median() {
  local n=$1 name=$2; shift 2
  local saved=("${results[@]}") walls=() r
  for ((i = 0; i < n; i++)); do
    run "$name (run $((i + 1)))" "$@"
  done
  for r in "${results[@]:${#saved[@]}}"; do
    IFS='|' read -r _ w _ <<< "$r"
    walls+=("$w")
  done
  local median
  median=$(printf '%s\n' "${walls[@]}" | sort -g | sed -n "$(( (n + 1) / 2 ))p")
  results+=("$name|$median|||")
  printf '%-44s median wall %.2f s of %d runs\n' "$name" "$median" "$n"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "log: $log ($bytes bytes, $(wc -l < "$log") lines)"
run_median 3 "wc -l" wc -l "$log"
run_median 3 "mxtriage triage --threads 1" "$mxt" triage --threads 1 --no-history --json "$log"
run "mxtriage diagnose --threads 1 --json" "$mxt" diagnose --threads 1 --json "$log"
run_median 3 "mxtriage triage --threads 2 (two halves)" "$mxt" triage --threads 2 --no-history --json \
  "$work/half-1.log" "$work/half-2.log"
run_median 3 "mxtriage triage --threads 1 (two halves)" "$mxt" triage --threads 1 --no-history --json \
  "$work/half-1.log" "$work/half-2.log"
run "mxtriage startup (rules loaded, one reply)" "$mxt" classify "550 5.1.1 user unknown"
if [[ -z ${SKIP_PFLOGSUMM:-} ]]; then
  run "pflogsumm" pflogsumm "$log"
fi

corpus=$here/tests/data/corpus/sisimai
if [[ -d $corpus ]]; then
  # The corpus read ten times in one run (the directory given ten times), so that the time is
  # long enough to measure against the start-up.
  passes=10
  files=$(( $(find "$corpus" -type f -name '*.eml' | wc -l) * passes ))
  run "mxtriage diagnose --json (bounce corpus x$passes, 1 thread)" "$mxt" diagnose --threads 1 --json \
    $(for _ in $(seq $passes); do printf '%s ' "$corpus"; done)
  echo "bounce corpus: $files messages ($passes passes)"
fi

wall_of() {
  local r n w
  for r in "${results[@]}"; do
    IFS='|' read -r n w _ <<< "$r"
    if [[ $n == "$1" ]]; then echo "$w"; fi
  done
}
ratio() { calc "$1 / $2"; }
wc_s=$(wall_of "wc -l")
tri_s=$(wall_of "mxtriage triage --threads 1")
echo
echo "triage, one thread:        $(ratio "$tri_s" "$wc_s") x the time of wc -l; $(calc "$bytes / $tri_s / 1000000" 0) MB/s"
t1=$(wall_of "mxtriage triage --threads 1 (two halves)")
t2=$(wall_of "mxtriage triage --threads 2 (two halves)")
echo "two threads over one:      $(ratio "$t1" "$t2") x faster"
if [[ -z ${SKIP_PFLOGSUMM:-} ]]; then
  pf=$(wall_of "pflogsumm")
  echo "pflogsumm / triage:        $(ratio "$pf" "$tri_s") x"
fi
if [[ -d $corpus ]]; then
  cs=$(wall_of "mxtriage diagnose --json (bounce corpus x$passes, 1 thread)")
  st=$(wall_of "mxtriage startup (rules loaded, one reply)")
  echo "bounce emails per second:  $(calc "$files / $cs" 0) (including $st s of start-up; $(calc "$files / ($cs - $st)" 0) without)"
fi
