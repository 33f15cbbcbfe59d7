"""A simulation that never converges: it outruns any time limit.

A random walk that waits to come back exactly to its start after wandering far away;
it reports its progress every half second and never finishes. Give it a limit:

    ./pyexec4j run --timeout 2 examples/too_slow.py

pyexec4j interrupts it at the limit (KeyboardInterrupt inside the code), prints the
reference's "TimeoutError: Execution exceeded the time limit of ..." and exits with
status 124, as timeout(1) does.
"""
import random
import time

rng = random.Random(7)
position, steps, farthest = 0, 0, 0
last_report = time.monotonic()
while True:
    position += rng.choice((-1, 1))
    steps += 1
    farthest = max(farthest, abs(position))
    if position == 0 and farthest > 10**9:  # never happens in practice
        break
    if time.monotonic() - last_report >= 0.5:
        print(f"{steps:>10,} steps, position {position:+d}, farthest {farthest}", flush=True)
        last_report = time.monotonic()
print("came back after", steps, "steps")
