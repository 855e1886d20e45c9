#!/bin/sh
# The 64-byte senders' own ceiling, no router: two namespaces joined by one veth pair, udp-blast's sink
# in one, and its UDP-socket sender (send) and raw AF_PACKET sender (raw) in the other, alternated
# ROUNDS times for SECONDS each, as fast as they go. Prints each run's sent and received counts.
# Root; after `npm run build`. Usage: sh bench/blast-direct.sh [ROUNDS] [SECONDS] [NS_PREFIX]
set -eu
ROUNDS=${1:-3}
SECS=${2:-2}
P=${3:-blast$$-}
B=$(dirname "$0")/../dist/bench/udp-blast.js
A="${P}a"
Z="${P}b"
cleanup() {
  [ -n "${SP:-}" ] && kill "$SP" 2>/dev/null || true
  ip netns del "$A" 2>/dev/null || true
  ip netns del "$Z" 2>/dev/null || true
}
trap cleanup EXIT INT TERM
ip netns add "$A"
ip netns add "$Z"
ip -n "$A" link add bda0 type veth peer name bdb0 netns "$Z"
ip -n "$A" addr add 10.77.0.1/24 dev bda0
ip -n "$Z" addr add 10.77.0.2/24 dev bdb0
ip -n "$A" link set bda0 up
ip -n "$Z" link set bdb0 up
MAC=$(ip netns exec "$Z" cat /sys/class/net/bdb0/address)
OUT=$(mktemp)
ip netns exec "$Z" node "$B" sink 9000 >"$OUT" &
SP=$!
sleep 0.5
count() { tail -1 "$OUT" | sed 's/.*:\([0-9]*\)}/\1/'; }
for i in $(seq "$ROUNDS"); do
  for mode in send raw; do
    a=$(count)
    if [ "$mode" = send ]; then
      r=$(ip netns exec "$A" node "$B" send 10.77.0.2 9000 0 "$SECS")
    else
      r=$(ip netns exec "$A" node "$B" raw bda0 "$MAC" 10.77.0.1 10.77.0.2 9000 0 "$SECS")
    fi
    sleep 0.5
    echo "$mode round $i: $r received $(($(count) - ${a:-0}))"
  done
done
rm -f "$OUT"
