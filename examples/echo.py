# The smallest function: answers with what it was given.
#   pylambda run examples/echo.py --data '{"msg": "hello"}'


def entrypoint(data):
    return {"echo": data}
