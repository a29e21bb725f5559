"""Fibonacci numbers: pylambda run examples/fibonacci.py --data '{"n": 10}'"""


def entrypoint(data):
    n = int(data.get("n", 10))
    if n < 0:
        raise ValueError("n must be >= 0")
    a, b = 0, 1
    sequence = []
    for _ in range(n):
        sequence.append(a)
        a, b = b, a + b
    return {"n": n, "fibonacci": sequence, "last": sequence[-1] if sequence else None}
