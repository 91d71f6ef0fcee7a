#!/usr/bin/env bash
# Run here (not on the lent machine): download into .whl/ (git-ignored) the wheels a lent GPU
# machine lacks or holds at another version, at the versions this project's environment has
# (uv.lock), for the machine's CPython 3.12 on x86-64 Linux. Its image has torch, accelerate,
# peft, numpy, pillow, matplotlib, pyarrow, pandas, safetensors and rich (../../.library's device
# notes); not datasets, PyMuPDF or TRL, and an older transformers. A call then names .whl in
# `carry` and run.sh installs them.
set -euo pipefail
cd "$(dirname "$0")/../.."
# Not huggingface-hub: the machine's 1.33 meets transformers' and datasets' >= 1.31, and 2.x needs
# httpx2, which the machine lacks.
names=(transformers tokenizers trl datasets dill multiprocess rapidfuzz)
specs=$(uv run --quiet python -c "import importlib.metadata as m, sys; print(' '.join(f'{n}=={m.version(n)}' for n in sys.argv[1:]))" "${names[@]}")
# PyMuPDF 2.0's wheel is 69 MB, over what a call carries (64 MiB with the working tree); 1.28.2's
# is 26 MB and renders the generator's records byte-identically (the first 20, checked on a lease).
specs="$specs pymupdf==1.28.2"
rm -rf .whl && mkdir .whl
for spec in $specs; do
  python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 --platform manylinux1_x86_64 -d .whl "$spec"
done
ls -la .whl
du -sh .whl
