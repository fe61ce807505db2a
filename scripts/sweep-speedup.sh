#!/usr/bin/env bash
# Sweep throughput: the quick preset on 1 and on 2 worker threads, wall time and
# speed-up (BENCHMARKS.md). Note the load average printed beside each figure:
# on a shared machine the speed-up says as much about the neighbours as about us.
set -euo pipefail
cd "$(dirname "$0")/.."
IGR=${IGR:-"npx tsx src/cli/main.ts"}
declare -A wall
for w in 1 2; do
  load=$(cut -d' ' -f1 /proc/loadavg)
  start=$(date +%s.%N)
  $IGR sweep --quick --workers "$w" --json >/dev/null
  end=$(date +%s.%N)
  wall[$w]=$(echo "$end - $start" | bc)
  echo "quick preset, $w worker(s): ${wall[$w]} s (load average before: $load)"
done
echo "speed-up 2 workers over 1: $(echo "scale=2; ${wall[1]} / ${wall[2]}" | bc)"
