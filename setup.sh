#!/usr/bin/env bash
# One idempotent set-up: a virtual environment with every dependency pinned, then `lsr-lucene setup` (offline
# models + the java/ plugin jar). Safe to rerun; quick when nothing changed.
#   ./setup.sh                    .venv: Pyserini 1.6.0 (Anserini 1.7.1, Lucene 9.9.1) on python3 (3.11),
#                                 pinned by constraints.txt (the default stack)
#   ./setup.sh --pyserini 2.4.0   .venv-pyserini24: Pyserini 2.4.0 (Anserini 2.3.0, Lucene 10.5.0) on Python 3.12,
#                                 pinned by constraints-pyserini24.txt; installs Debian's ecj where javac is older
#                                 than 21 (the plugin is compiled against Java 21 class files)
set -euo pipefail
cd "$(dirname "$0")"
pyserini=1.6.0
while [ $# -gt 0 ]; do
  case "$1" in
    --pyserini) pyserini=${2:?--pyserini needs a version}; shift 2 ;;
    --pyserini=*) pyserini=${1#*=}; shift ;;
    *) echo "usage: ./setup.sh [--pyserini 1.6.0|2.4.0]" >&2; exit 2 ;;
  esac
done

# Python 3.12 for the Pyserini 2.4 stack: $PYTHON, python3.12 on PATH, else pyenv's newest 3.12.
# A candidate counts only if it runs: pyenv's python3.12 shim is on PATH even where 3.12 is not the active version.
python312() {
  local candidate
  for candidate in "$(command -v python3.12 || true)" \
      $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.12*/bin/python 2>/dev/null | sort -rV); do
    if [ -n "$candidate" ] && "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null; then
      echo "$candidate"
      return
    fi
  done
  echo "setup.sh: Pyserini 2.4.0 needs Python 3.12: install it (pyenv install 3.12) or set PYTHON" >&2
  exit 1
}

# An ECJ compiler when javac cannot read Java 21 class files (Debian's javac is 17).
ensure_ecj() {
  local release
  release=$(javac -version 2>&1 | sed -n 's/^javac \([0-9]*\).*/\1/p' || true)
  if [ "${release:-0}" -ge 21 ] || [ -n "${ECJ_JAR:-}" ] || command -v ecj >/dev/null; then
    return
  fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get install -y -q ecj >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q ecj >/dev/null; }
  else
    echo "setup.sh: the plugin needs javac 21+ or ECJ for Lucene 10 (Debian: sudo apt-get install ecj)" >&2
  fi
}

# Debian's Chromium for the test that opens report.html in a headless browser (tests/pipeline/test_report_html.py).
ensure_chromium() {
  command -v chromium >/dev/null && return
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get install -y -q chromium >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null 2>&1; } \
      || echo "setup.sh: could not install chromium; the report's browser test will be skipped" >&2
  else
    echo "setup.sh: no chromium on PATH; the report's browser test will be skipped (Debian: sudo apt-get install chromium)" >&2
  fi
}

case "$pyserini" in
  1.6.0) python=${PYTHON:-python3}; venv=.venv; constraints=constraints.txt; ensure_chromium ;;
  2.4.0) python=${PYTHON:-$(python312)}; venv=.venv-pyserini24; constraints=constraints-pyserini24.txt; ensure_ecj ;;
  *) echo "setup.sh: unsupported --pyserini $pyserini (1.6.0 or 2.4.0)" >&2; exit 2 ;;
esac

[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
pip=("$venv/bin/python" -m pip --disable-pip-version-check -q)

stamp="$venv/.setup-stamp"
want=$(cat pyproject.toml "$constraints" | sha256sum | cut -c1-16)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  if [ "$pyserini" = 1.6.0 ]; then
    # torch first: the pinned CPU build (an unpinned torch pulls a multi-GB CUDA build).
    "$venv/bin/python" -c 'import torch' 2>/dev/null || "${pip[@]}" install "torch==2.13.0"
  fi
  # Pyserini 2.4 (Python 3.12): the registry has no CPU torch for 3.12, so torch is the pinned CUDA build
  # (about 2.9 GB of wheels; see README "Supported versions").
  "${pip[@]}" install -c "$constraints" -e '.[dev]'
  echo "$want" > "$stamp"
fi

"$venv/bin/lsr-lucene" setup
