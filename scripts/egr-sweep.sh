#!/usr/bin/env bash
# The 'egr' experiment of EXPERIMENTS.md: EGR at h = 0.5 with μ = h_L/4 and h_L (h_L = 2) against GD at h = 0.5 and h_L, 3 seeds.
# Regenerates its table: scripts/egr-sweep.sh [WORKERS]  (JSON lines in scripts/results/egr.jsonl).
exec "$(dirname "$0")/sweep-preset.sh" egr "$@"
