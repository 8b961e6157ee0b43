#!/usr/bin/env bash
# The four small-transformer claims at their `full` rung (above 5 M parameters), one claim at a time, each timed
# (wall clock and peak memory from /usr/bin/time -v), into one results folder whose provenance.json names the device.
#
#   examples/full_rung_gpu.sh                      # on a machine with an NVIDIA GPU and JAX's CUDA wheels
#   STEPS=4 POOL=64 examples/full_rung_gpu.sh      # the same code path at tiny sizes (on a CPU: minutes)
#   CLAIMS="attention-noise-2x2" ...               # some of the four only
#
# JAX runs on the GPU when the `gpu` extra is installed (`pip install -e '.[gpu]'`); nothing else changes: the
# training, the per-example gradients and the noise Gram blocks (simulate/nets/noise.py) all run on JAX's device.
# OUT (default build/full-rung) receives rates.csv, REPORT.md, figures and provenance.json; TIMES lists each claim's
# wall seconds and peak resident memory.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-build/full-rung}
TIMES=${TIMES:-$OUT/times.txt}
PY=${PY:-.venv/bin/python}
extra=()
[[ -n "${STEPS:-}" ]] && extra+=(--steps "$STEPS")
mkdir -p "$OUT"
"$PY" -c 'import jax; print("JAX devices:", jax.devices())' | tee "$TIMES"
CLAIMS=${CLAIMS:-attention-noise-2x2 ln-placement-heterogeneity head-growth-transformer acclip-transformer}
for claim in $CLAIMS; do
    pool=()
    # --pool sizes the per-example-gradient pool of the two claims that have one
    [[ -n "${POOL:-}" && "$claim" =~ ^(attention-noise-2x2|ln-placement-heterogeneity)$ ]] && pool=(--pool "$POOL")
    /usr/bin/time -v -o "$OUT/time-$claim.txt" \
        "$PY" -m simulate rates --profile full --claim "$claim" --out "$OUT" --quiet "${extra[@]}" "${pool[@]}"
    wall=$(grep "Elapsed (wall clock)" "$OUT/time-$claim.txt" | awk '{print $NF}')
    peak=$(grep "Maximum resident set size" "$OUT/time-$claim.txt" | awk '{print $NF}')
    echo "$claim: wall $wall, peak $((peak / 1024)) MiB" | tee -a "$TIMES"
done
