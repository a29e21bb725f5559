"""A package with more than one module: the handler imports its helpers from the package."""

from stats.summary import describe
from greeting import greet


def entrypoint(data):
    name = data.get("name", "world")
    return {"greeting": greet(name), "letters": describe(name)}
