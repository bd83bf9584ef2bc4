#!/bin/bash
# Spark/threads throughput: Conv-4 5w1s mb32 second-order MAML, and Spark's per-step overhead on sine.
cd "$(dirname "$0")/.."
rate() { python3 - "$1" <<'P'
import json,sys
L=[json.loads(l) for l in open(sys.argv[1]) if '"loss"' in l]
e=[l['elapsed_s'] for l in L]
print("%.4f it/s over iterations 1..%d" % ((len(e)-2)/(e[-1]-e[1]), len(e)-1))
P
}
O="train --method maml --dataset omniglot --ways 5 --shots 1 --meta-batch 32 --iterations 5 --val-every 0 --checkpoint-every 0 --log-every 1 --seed 2"
for mode in "--workers 1" "--workers 2" "--spark local[2]"; do
  d=/tmp/sb-$(echo $mode | tr -dc 'a-z0-9'); rm -rf $d
  ./bml $O $mode --out $d > /dev/null 2>&1 || echo "FAILED $mode"
  echo "conv4-maml2-5w1s-mb32 $mode: $(rate $d/metrics.jsonl)"
done
S="train --method maml --dataset sinusoid --iterations 60 --val-every 0 --checkpoint-every 0 --log-every 1 --seed 2"
for mode in "" "--spark local[1]"; do
  d=/tmp/ss-$(echo x$mode | tr -dc 'a-z0-9'); rm -rf $d
  ./bml $S $mode --out $d > /dev/null 2>&1 || echo "FAILED $mode"
  echo "sine-maml2-1step mb25 ${mode:-in-process}: $(rate $d/metrics.jsonl)"
done
