#!/bin/sh
# Reward 1 when /app/hello.txt holds "hello", else 0 (written where Harbor reads it).
if python3 -c 'import sys; sys.exit(open("/app/hello.txt").read().strip() != "hello")' 2>/dev/null; then
  echo 1 > /logs/verifier/reward.txt
else
  echo 0 > /logs/verifier/reward.txt
fi
