#!/bin/sh
# links.js alternated between two built checkouts (OLD, NEW: each after `npm run build`), ROUNDS times
# each, OLD first, with the links.js options that follow (e.g. --busy-poll 20000). One links.js run
# measures M, K (and P) side by side, so each run's "added latency" is against its own kernel; the
# alternation spreads the machine's load over both sides. Prints each run's load average and its M
# vs P table (or its summary); the whole outputs stay in OUT (default a fresh directory under /tmp).
# Root. Usage: sh bench/links-ab.sh OLD NEW [ROUNDS] [links.js options...]
# MPSTACK_LINKS_NS_PREFIX (links-setup.ts) is passed on: set it when other runs share the machine.
set -eu
OLD=$1
NEW=$2
ROUNDS=${3:-3}
shift 2
[ $# -gt 0 ] && shift
OUT=${OUT:-$(mktemp -d /tmp/links-ab.XXXXXX)}
for r in $(seq 1 "$ROUNDS"); do
  for side in old new; do
    if [ "$side" = old ]; then d=$OLD; else d=$NEW; fi
    f="$OUT/$side-$r.txt"
    echo "== round $r $side ($d) $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
    (cd "$d" && node dist/bench/links.js "$@" >"$f" 2>&1) || echo "links.js failed: see $f"
    # the M vs P table when there is one (--busy-poll), else the summary's rows
    if grep -q 'M (off)' "$f"; then
      sed -n '/M (off)/,/└/p' "$f" | grep -E 'TCP|ping|added|64-byte'
    else
      grep -E 'TCP throughput|ping RTT median|64-byte UDP zero loss' "$f" | head -3
    fi
  done
done
echo "outputs: $OUT"
