#!/usr/bin/env bash
# The 'width' experiment of EXPERIMENTS.md: model size: hidden widths 16, 64, 128 at h = 0.5 and 2, 3 seeds.
# Regenerates its table: scripts/width-sweep.sh [WORKERS]  (JSON lines in scripts/results/width.jsonl).
exec "$(dirname "$0")/sweep-preset.sh" width "$@"
