#!/usr/bin/env bash
# The 'lr' experiment of EXPERIMENTS.md: learning-rate sweep, MNIST 1000 digits, 196-64-10 tanh, h = 0.25 … 4, to E ≤ 0.05, 3 seeds.
# Regenerates its table: scripts/lr-sweep.sh [WORKERS]  (JSON lines in scripts/results/lr.jsonl).
exec "$(dirname "$0")/sweep-preset.sh" lr "$@"
