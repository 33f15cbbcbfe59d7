"""A tiny training loop: fit y = w*x + b by gradient descent, in pure Python.

Prints the loss after every epoch (with a short pause, so you can watch the output
stream in as it comes), then the parameters it learned. Runs for about 1.5 seconds.

    ./pyexec4j run examples/train.py
"""
import random
import time

TRUE_W, TRUE_B = 2.5, -1.0
EPOCHS = 25
LEARNING_RATE = 0.5


def make_data(n, seed=42):
    rng = random.Random(seed)
    xs = [rng.uniform(-1, 1) for _ in range(n)]
    ys = [TRUE_W * x + TRUE_B + rng.gauss(0, 0.05) for x in xs]
    return xs, ys


def mse(w, b, xs, ys):
    return sum((w * x + b - y) ** 2 for x, y in zip(xs, ys)) / len(xs)


def step(w, b, xs, ys, lr):
    n = len(xs)
    grad_w = sum(2 * (w * x + b - y) * x for x, y in zip(xs, ys)) / n
    grad_b = sum(2 * (w * x + b - y) for x, y in zip(xs, ys)) / n
    return w - lr * grad_w, b - lr * grad_b


def main():
    xs, ys = make_data(200)
    w, b = 0.0, 0.0
    print(f"training on {len(xs)} points for {EPOCHS} epochs", flush=True)
    for epoch in range(1, EPOCHS + 1):
        w, b = step(w, b, xs, ys, LEARNING_RATE)
        print(f"epoch {epoch:2d}  loss {mse(w, b, xs, ys):.4f}", flush=True)
        time.sleep(0.06)
    print(f"learned w={w:.2f} b={b:.2f} (true: w={TRUE_W} b={TRUE_B})")


main()
