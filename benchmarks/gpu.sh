#!/usr/bin/env bash
# Every GPU figure in one call, on a fresh GPU machine, in under 8 minutes (each step has its own
# time limit, so the script always ends and says what did not finish):
#   1. install artgan (editable) next to the machine's CUDA torch, without replacing it;
#   2. training images/s against the textbook loop on CUDA: auto (calibrated), bf16 AMP and fp32,
#      channels-last and contiguous;
#   3. the same with --compile (bf16, channels-last);
#   4. sampling: `artgan generate --n 1000` at 64 px on the GPU, imports included;
#   5. memory: preparation on 1 and all cores, peak RSS and GPU memory training 128 px from the
#      memory-mapped cache.
# Figures go to stdout and to $OUT/gpu-*.log (OUT defaults to ./gpu-results).
#
#     bash benchmarks/gpu.sh
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-gpu-results}"
mkdir -p "$OUT"
START=$(date +%s)
step() {  # step NAME SECONDS COMMAND...: run with a limit, log, and say how it ended
    local name=$1 limit=$2
    shift 2
    echo "=== $name (limit ${limit}s, $(($(date +%s) - START))s elapsed) ==="
    timeout "$limit" "$@" 2>&1 | tee "$OUT/gpu-$name.log"
    local status=${PIPESTATUS[0]}
    [ "$status" -eq 124 ] && echo "=== $name: stopped at its ${limit}s limit ==="
    [ "$status" -ne 0 ] && [ "$status" -ne 124 ] && echo "=== $name: failed with status $status ==="
    return 0
}

step machine 30 bash -c 'nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv; lscpu | grep -E "Model name|^CPU\(s\)"; python -c "import torch; print(\"torch\", torch.__version__, \"cuda\", torch.version.cuda, \"available\", torch.cuda.is_available(), \"bf16\", torch.cuda.is_available() and torch.cuda.is_bf16_supported())"'
if ! python -c "import torch, sys; sys.exit(not torch.cuda.is_available())"; then
    echo "no CUDA torch on this machine: nothing to measure (install a CUDA build of torch first)"
    exit 1
fi
# The torch already here stays: pip only adds what is missing (pyproject asks for torch>=2.2). Offline,
# the second form needs no index; PYTHONPATH makes the benchmarks use this checkout either way.
step install 60 bash -c 'python -m pip install -q --disable-pip-version-check -e . ||
    python -m pip install -q --disable-pip-version-check --no-build-isolation --no-deps -e .'
export PYTHONPATH="$PWD"

step throughput 120 python benchmarks/throughput.py --sizes 64 --iters 40 --repeats 3 --warmup 5 --images 2048 \
    --precision auto bf16 fp32 --memory-format channels-last contiguous
step compile 120 python benchmarks/throughput.py --sizes 64 --iters 40 --repeats 3 --warmup 5 --images 2048 \
    --precision bf16 --compile off on
step sampling 45 python benchmarks/sampling.py --n 1000 --size 64 --repeats 2 --device cuda
step memory 90 python benchmarks/memory.py --images 20000 --size 128 --steps 20

echo "=== done in $(($(date +%s) - START))s; logs in $OUT ==="
