"""What every measurement of one run shares."""
import dataclasses
import json
import sys

from .config import Config
from .docker import Containers

PAYLOAD = b'{"msg":"hello"}'
"""What every server's /run gets (bench/post.lua sends the same body)."""
EXPECTED = b'{"echo":{"msg":"hello"}}'
"""What every server must answer, nginx's fixed body included."""


@dataclasses.dataclass
class Context:
    config: Config
    containers: Containers
    function_source: str
    """examples/echo.py, the function every runner loads."""
    scratch: str
    """A private temporary directory for this run (sockets, hyperfine's JSON, the CLI's function)."""
    run_id: str

    @property
    def load_body(self) -> bytes:
        return json.dumps({"code": self.function_source}).encode()

    @staticmethod
    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)
