"""Describes the JSON it receives: which Python type each value became.

pylambda run examples/payload.py --data '{"s": "text", "i": 3, "f": 1.5, "b": true, "n": null, "l": [1, "x"], "d": {"k": 1}}'
"""


def describe(value):
    if isinstance(value, dict):
        return {"type": "dict", "keys": {key: describe(item) for key, item in value.items()}}
    if isinstance(value, list):
        return {"type": "list", "length": len(value), "items": [describe(item) for item in value]}
    return type(value).__name__


def entrypoint(data):
    return {"summary": describe(data)}
