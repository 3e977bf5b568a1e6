#!/usr/bin/env bash
# One idempotent set-up: a virtual environment in .venv with every dependency pinned by constraints.txt,
# then `lsr-lucene setup` (offline models + the java/ plugin jar). Safe to rerun; quick when nothing changed.
set -euo pipefail
cd "$(dirname "$0")"
python=${PYTHON:-python3}
venv=.venv

[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
pip=("$venv/bin/python" -m pip --disable-pip-version-check -q)

stamp="$venv/.setup-stamp"
want=$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  # torch first: the pinned CPU build (an unpinned torch pulls a multi-GB CUDA build).
  "$venv/bin/python" -c 'import torch' 2>/dev/null || "${pip[@]}" install "torch==2.13.0"
  "${pip[@]}" install -c constraints.txt -e '.[dev]'
  echo "$want" > "$stamp"
fi

"$venv/bin/lsr-lucene" setup
