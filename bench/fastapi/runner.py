"""The proof of concept's FastAPI runner, as it shipped (lambda-poc, runner/runner.py), for comparison.

Its handlers are `async def`: FastAPI runs them on the event loop itself, not in its threadpool (a
`def` handler would cost a thread hop per request and understate FastAPI). /load executes the source
in a fresh module and requires an `entrypoint`; /run parses the JSON body, calls entrypoint(data) and
returns its result, which FastAPI serializes. The PoC had no /healthz; this one answers it cheaply.
The PoC's idle-exit thread is left out: the benchmark disables idle exit on every server.
"""
import types

from fastapi import FastAPI, HTTPException, Request

app = FastAPI()
function_module = None


@app.get("/healthz")
async def healthz():
    return {"status": "ok", "loaded": function_module is not None}


@app.post("/load")
async def load(request: Request):
    global function_module
    body = await request.json()
    source = body.get("code")
    if not isinstance(source, str):
        raise HTTPException(status_code=400, detail="Missing or invalid 'code' field")
    module = types.ModuleType("user_module")
    try:
        exec(source, module.__dict__)
    except Exception as error:
        raise HTTPException(status_code=400, detail=f"Error executing code: {error}")
    if not hasattr(module, "entrypoint"):
        raise HTTPException(status_code=400, detail="Code must define an 'entrypoint(data)' function")
    function_module = module
    return {"status": "loaded"}


@app.post("/run")
async def run(request: Request):
    if function_module is None:
        raise HTTPException(status_code=400, detail="No code loaded. Call /load first.")
    data = await request.json()
    try:
        return function_module.entrypoint(data)
    except Exception as error:
        raise HTTPException(status_code=500, detail=f"User code raised an exception: {error}")
