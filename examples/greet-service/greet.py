"""The function the greet service runs in a hardened container: plain Python, no web framework."""


def entrypoint(data):
    name = str(data.get("name") or "world").strip()[:64] or "world"
    return {"greeting": f"Hello, {name}!", "length": len(name)}
