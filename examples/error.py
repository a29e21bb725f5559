"""Raises on purpose, to show how a function's exception comes back (type, message, traceback).

pylambda run examples/error.py --data '{"divisor": 0}'
"""


def divide(numerator, divisor):
    return numerator / divisor


def entrypoint(data):
    print("about to divide")  # shows up with --log-tail
    return {"result": divide(100, data.get("divisor", 0))}
