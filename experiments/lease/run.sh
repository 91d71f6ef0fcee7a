#!/usr/bin/env bash
# What a lent GPU machine's call runs (README.md beside this file), from the repository root:
#
#   bash experiments/lease/run.sh fill CACHE [--set F=V ...]                 # call 1: render
#   bash experiments/lease/run.sh train OUT BUDGET CACHE [--set F=V ...]     # call 2, at once
#
# fill renders the recipe's records into CACHE (a git-ignored folder, e.g. .cache/records, which
# stays on the warm machine between calls); train loads them, trains for BUDGET seconds from its
# start and leaves in OUT ($OUT on the machine, so it comes back) model.tar.gz (the model folder),
# recipe_summary.json and log.txt. The wheels from wheels.sh (carried as .whl) are installed to
# /tmp/site once per machine. LOCAL=1 runs here instead, with `uv run` and no wheels (add --smoke).
set -euo pipefail
cd "$(dirname "$0")/../.."
command=${1:?usage: run.sh fill CACHE ... | run.sh train OUT BUDGET CACHE ...}
shift
if [ "$command" != fill ] && [ "$command" != train ]; then
  echo "run.sh: unknown command $command (fill or train)" >&2
  exit 2
fi
if [ -n "${LOCAL:-}" ]; then
  py=(uv run --quiet python)
else
  stamp=$(ls -l .whl | md5sum | cut -c1-12)
  if [ ! -f "/tmp/site/.wheels-$stamp" ]; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
    touch "/tmp/site/.wheels-$stamp"
  fi
  src=$(printf '%s:' "$PWD"/packages/*/src)
  export PYTHONPATH="/tmp/site:${src%:}"
  py=(python3)
  # fail in a second, not after minutes, where a carried wheel does not fit the machine's packages
  python3 -c "import datasets, pymupdf, transformers, trl, xtvqa_train, xtvqa_reader
print('packages:', *(f'{m.__name__} {m.__version__}' for m in (datasets, pymupdf, transformers, trl)))"
fi
export PYTHONUNBUFFERED=1
case "$command" in
  fill)
    "${py[@]}" experiments/lease/tiny_base.py fill "$@"
    ;;
  train)
    out=${1:?train OUT BUDGET CACHE}; budget=${2:?train OUT BUDGET CACHE}; cache=${3:?train OUT BUDGET CACHE}
    shift 3
    mkdir -p "$out"
    model=$(mktemp -d)/xtvqa-tiny-ocr
    "${py[@]}" experiments/lease/tiny_base.py train "$model" --budget "$budget" --records-cache "$cache" "$@" \
      2>&1 | tee "$out/log.txt"
    cp "$model/recipe_summary.json" "$out/"
    tar -czf "$out/model.tar.gz" -C "$(dirname "$model")" "$(basename "$model")"
    ls -la "$out"
    ;;
esac
