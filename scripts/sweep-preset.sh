#!/usr/bin/env bash
# Runs one `igr sweep` preset, keeps its JSON lines, and prints the Markdown
# table of EXPERIMENTS.md (mean ± sd over seeds) with the wall time and load.
#
#   scripts/sweep-preset.sh PRESET [WORKERS]     e.g. scripts/sweep-preset.sh lr 2
#
# Presets (src/igr/experiments/presets.ts): quick, lr, width, egr, full.
# Output: scripts/results/PRESET.jsonl (one SweepRecord per run) and the table on stdout.
# Uses the TypeScript sources through tsx, so no build is needed; set IGR="igr" to use the built bin.
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:?usage: scripts/sweep-preset.sh PRESET [WORKERS]}
workers=${2:-$(node -e 'console.log(require("node:os").availableParallelism())')}
IGR=${IGR:-"npx tsx src/cli/main.ts"}
mkdir -p scripts/results
out=scripts/results/$preset.jsonl
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)" >&2
start=$(date +%s)
status=0
$IGR sweep --preset "$preset" --workers "$workers" --out "$out" >/dev/null || status=$?
end=$(date +%s)
echo "igr sweep --preset $preset --workers $workers: $((end - start)) s wall, exit $status; load after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)"
npx tsx scripts/sweep-table.ts "$out"
exit $status
