"""The proof of concept's runner, for comparison: FastAPI with the same /load + /run protocol."""
from fastapi import Body, FastAPI, HTTPException

app = FastAPI()
_entrypoint = None


@app.get("/healthz")
def health():
    return {"status": "ok", "loaded": _entrypoint is not None}


@app.post("/load")
def load(payload: dict = Body(...)):
    global _entrypoint
    namespace = {}
    exec(payload["code"], namespace)
    _entrypoint = namespace["entrypoint"]
    return {"status": "loaded"}


@app.post("/run")
def run(data=Body(...)):
    if _entrypoint is None:
        raise HTTPException(status_code=400, detail="no code loaded")
    return _entrypoint(data)
