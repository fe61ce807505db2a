#!/usr/bin/env bash
# The 'quick' experiment of EXPERIMENTS.md: learning-rate sweep on a small MNIST MLP (500 digits, 196-32-10), 4 rates × 3 seeds; < 1 min on 2 cores (6.5 s when quiet).
# Regenerates its table: scripts/quick-sweep.sh [WORKERS]  (JSON lines in scripts/results/quick.jsonl).
exec "$(dirname "$0")/sweep-preset.sh" quick "$@"
