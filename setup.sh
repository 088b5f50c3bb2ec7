#!/usr/bin/env bash
# Set up the assistant in ./.venv (Python 3.11+). Installs the CPU build of torch first, so
# pip never pulls the multi-GB CUDA build, then the project with its test extras.
set -euo pipefail
cd "$(dirname "$0")"
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet torch==2.13.0
.venv/bin/python -m pip install --quiet -e '.[test]'
.venv/bin/qa prepare   # index the seeds and export the model graphs now, so the first question is quick
echo "ready: .venv/bin/qa ask \"when could Russia invade?\"   or   .venv/bin/qa serve"
