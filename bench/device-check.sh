#!/usr/bin/env bash
# Device check of the libtorch backend, in two halves.
#
#   bench/device-check.sh build [--natives bundled|system]
#       Here (Maven, Java 17): builds bench/target/device-bundle/ — a jlink runtime, the jars, the
#       test classes and a copy of this script — and bench/target/device-bundle.tar.xz, and prints
#       their sizes against the 64 MiB a GPU machine may be sent.
#       bundled: libtorch's and ND4J's natives inside (runs anywhere; the CPU proof).
#       system:  no libtorch natives: libjnitorch*.so only, linked at run time against the libtorch
#                of the Python torch install on the GPU machine (TORCH_LIB, found with python3).
#   device-bundle/device-check.sh run --device cpu|cuda[:N] [--short] [--minutes M]
#       There (no Java, Maven or network needed): the backend contract tests, the gradient checks
#       and the MAML oracle on the device; ./bml bench on the device; then Omniglot 5-way 1-shot
#       second-order MAML, meta-batch 32, for M minutes (default 3), printing it/s and validation
#       accuracy. --short: one bench case and 1 minute of training (the CPU proof). Fits 10 min.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mode="${1:-}"
shift || true

if [ "$mode" = build ]; then
  natives=bundled
  while [ $# -gt 0 ]; do
    case "$1" in
      --natives) natives="$2"; shift 2 ;;
      *) echo "device-check: unknown option $1" >&2; exit 2 ;;
    esac
  done
  root="$(cd "$here/.." && pwd)"
  out="$root/bench/target/device-bundle"
  cd "$root"
  mvn -B -q -o -pl cli,torch -am package -DskipTests >&2
  rm -rf "$out" "$out.tar.xz"
  mkdir -p "$out/lib"
  jlink --add-modules java.base,java.logging,java.management,jdk.management,java.naming,java.sql,java.xml,java.desktop,jdk.unsupported,java.scripting \
    --strip-debug --no-man-pages --no-header-files --compress=2 --output "$out/runtime"
  # Class path order matters: javacpp 1.5.13 (torch) before ND4J's 1.5.7.
  cp torch/target/bml-torch.jar torch/target/bml-torch-tests.jar "$out/lib/"
  for j in torch/target/test-lib/*.jar; do
    b="$(basename "$j")"
    case "$b" in
      javacpp-1.5.7*) continue ;;                      # superseded by 1.5.13
      pytorch-*-linux-x86_64*.jar) [ "$natives" = system ] && continue ;;
    esac
    cp "$j" "$out/lib/"
  done
  cp cli/target/bml-cli.jar "$out/lib/"
  for j in cli/target/lib/*.jar; do
    b="$(basename "$j")"
    [ -f "$out/lib/$b" ] || case "$b" in javacpp-1.5.7*) ;; *) cp "$j" "$out/lib/" ;; esac
  done
  if [ "$natives" = system ]; then
    # Only the JNI glue (built against libtorch 2.10); libtorch_cpu/cuda come from the machine.
    mkdir -p "$out/jni"
    unzip -q -j -o "$HOME/.m2/repository/org/bytedeco/pytorch/2.10.0-1.5.13/pytorch-2.10.0-1.5.13-linux-x86_64-gpu.jar" \
      'org/bytedeco/pytorch/linux-x86_64-gpu/libjni*' -d "$out/jni"
  fi
  mkdir -p "$out/data/omniglot"
  cp ../shared/data/omniglot/images_background.zip ../shared/data/omniglot/images_evaluation.zip "$out/data/omniglot/" 2>/dev/null \
    || cp /work/shared/data/omniglot/images_background.zip /work/shared/data/omniglot/images_evaluation.zip "$out/data/omniglot/"
  cp -r "$( [ -d ../shared/data/omniglot/splits ] && echo ../shared/data/omniglot/splits || echo /work/shared/data/omniglot/splits)" \
    "$out/data/omniglot/" 2>/dev/null || true
  cp "$here/device-check.sh" "$out/"
  echo "$natives" > "$out/NATIVES"
  (cd "$(dirname "$out")" && tar -cJf "$out.tar.xz" "$(basename "$out")")
  limit=$((64 * 1024 * 1024))
  size=$(stat -c %s "$out.tar.xz")
  echo "device bundle ($natives natives): $(du -sb "$out" | cut -f1) bytes unpacked, $size bytes as tar.xz;" \
    "limit $limit: $([ "$size" -le "$limit" ] && echo fits || echo "does NOT fit (over by $((size - limit)))")"
  echo "  runtime $(du -sb "$out/runtime" | cut -f1), lib $(du -sb "$out/lib" | cut -f1)," \
    "largest: $(ls -S "$out/lib" | head -3 | tr '\n' ' ')"
  exit 0
fi

if [ "$mode" != run ]; then
  sed -n '2,17p' "${BASH_SOURCE[0]}" >&2
  exit 2
fi

device=cpu
short=0
minutes=3
while [ $# -gt 0 ]; do
  case "$1" in
    --device) device="$2"; shift 2 ;;
    --short) short=1; shift ;;
    --minutes) minutes="$2"; shift 2 ;;
    *) echo "device-check: unknown option $1" >&2; exit 2 ;;
  esac
done
[ "$short" = 1 ] && minutes=1
java="$here/runtime/bin/java"
[ -x "$java" ] || { echo "device-check: run from the bundle (bench/device-check.sh build first)" >&2; exit 2; }
jopts=(-Xmx8g -Dorg.bytedeco.javacpp.maxphysicalbytes=0 -Dbml.backend=torch "-Dbml.device=$device"
  "-Dbml.data.dir=$here/data/omniglot")
if [ "$(cat "$here/NATIVES")" = system ]; then
  torch_lib="${TORCH_LIB:-$(python3 -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')}"
  # The CUDA/cuDNN libraries of the pip install (nvidia-*), next to torch.
  nv="$(dirname "$torch_lib")/../nvidia"
  extra="$(find "$nv" -maxdepth 3 -type d -name lib 2>/dev/null | tr '\n' ':')"
  export LD_LIBRARY_PATH="$here/jni:$torch_lib:$extra${LD_LIBRARY_PATH:-}"
  jopts+=(-Dorg.bytedeco.javacpp.pathsFirst=true "-Djava.library.path=$LD_LIBRARY_PATH")
  echo "# libtorch from $torch_lib"
fi
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
cp="$here/lib/*"
start=$(date +%s)
# A scratch working directory: jqwik writes target/jqwik-database under the current one.
work="$(mktemp -d)"
mkdir -p "$work/target"
cd "$work"
echo "# device-check on $device, $(nproc --all) cores, $(date -u +%FT%TZ)"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,compute_cap,driver_version --format=csv,noheader || true

echo "## 1. contract tests, gradient checks (FD + HVP), MAML oracle: torch on $device"
"$java" "${jopts[@]}" -cp "$cp" org.bml.torch.DeviceCheckMain || echo "device-check: TESTS FAILED"

echo "## 2. bml env and bench"
"$java" "${jopts[@]}" -cp "$cp" org.bml.cli.Main env
cases=(sine-maml2-1step sine-maml2-5step conv4-maml2-5w1s-mb32)
[ "$short" = 1 ] && cases=(sine-maml2-1step)
for c in "${cases[@]}"; do
  timeout 150 "$java" "${jopts[@]}" -cp "$cp" org.bml.cli.Main bench --backend torch --device "$device" "$c" \
    | grep -E '^(bench|#)' || echo "bench $c: timed out or failed"
done

echo "## 3. Omniglot 5-way 1-shot second-order MAML, meta-batch 32, ~$minutes min"
run="$work/omniglot"
budget=$((minutes * 60))
# Iterations are counted on the fly: stop the run after the budget (it checkpoints on SIGTERM).
timeout -s TERM "$((budget + 30))" "$java" "${jopts[@]}" -cp "$cp" org.bml.cli.Main train --backend torch --device "$device" \
  --method maml --dataset omniglot --ways 5 --shots 1 --meta-batch 32 --iterations 100000 \
  --val-every 10 --val-tasks 32 --log-every 1 --checkpoint-every 50 --out "$run" >"$run.log" 2>&1 &
pid=$!
t0=$(date +%s)
while kill -0 "$pid" 2>/dev/null && [ $(( $(date +%s) - t0 )) -lt "$budget" ]; do sleep 5; done
kill -TERM "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
elapsed=$(( $(date +%s) - t0 ))
iters=$(grep -c '"loss"' "$run/metrics.jsonl" 2>/dev/null || echo 0)
echo "omniglot maml2 5w1s mb32 on $device: $iters iterations in ${elapsed} s ($(awk -v n="$iters" -v t="$elapsed" 'BEGIN{printf "%.3f", n/t}') it/s incl. start-up)"
grep -o '"val[a-z_]*acc[a-z_]*": *[0-9.]*' "$run/metrics.jsonl" 2>/dev/null | tail -3 || true
tail -3 "$run.log"
echo "# device-check done in $(( $(date +%s) - start )) s"
