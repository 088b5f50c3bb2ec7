#!/usr/bin/env bash
# Set up the assistant in ./.venv (Python 3.11+). Installs the CPU build of torch first, so
# pip never pulls the multi-GB CUDA build, then the project with its test extras, at the versions
# in constraints.txt (those the tests last passed with). pip's own
# output (including setuptools' notes on editable installs) goes to .venv/setup.log, shown only
# if a step fails.
set -euo pipefail
cd "$(dirname "$0")"
python3 -m venv .venv
log=.venv/setup.log
step() {
  echo "setup: $1"
  shift
  if ! "$@" >>"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "setup failed; the whole log is in $log" >&2
    exit 1
  fi
}
: >"$log"
step "updating pip" .venv/bin/python -m pip install --upgrade pip
step "installing torch 2.13.0 (CPU build)" .venv/bin/python -m pip install torch==2.13.0
step "installing the assistant and its test tools" .venv/bin/python -m pip install -c constraints.txt -e '.[test]'
.venv/bin/qa prepare   # index the seeds and export the model graphs now, so the first question is quick
echo "ready: .venv/bin/qa ask \"when could Russia invade?\"   or   .venv/bin/qa serve"
