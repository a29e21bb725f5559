"""A boto3 `invoke` round trip against serve's AWS Lambda-compatible API, beside the same calls made
through serve's native API from Python's http.client, so that the client's own cost is visible."""
import http.client
import io
import json
import math
import statistics
import time
import zipfile

from .context import PAYLOAD, Context
from .serve_process import ServeError, ServeProcess

FUNCTION = "bench-boto3"
WARM_UP_CALLS = 50
HANDLER = "def lambda_handler(event, context):\n    return event\n"


class Boto3InvokeMeasurement:
    """Each round: a fresh serve (as the serve measurement starts it: one CPU, a temporary state directory,
    a random free port, warm pool off); an AWS-style admin key from `pylambda keys create --aws`; a function
    created with boto3's `create_function` (lambda_function.py returning its event; the zip carries a
    comment naming this run); then, after a warm-up of both clients, `boto3_calls` sequential calls of
    each, timed one by one from before the request to after the body is read:

    boto3: `invoke` (RequestResponse, SigV4-signed) from one client, whose connection pool keeps the
      connection alive; retries off, so that a failure is not hidden;
    native: `POST /v1/functions/<name>/invoke` with the bearer key from http.client on one keep-alive
      connection, in the same process: the difference is what boto3 and botocore themselves cost.

    Which client goes first alternates from round to round. Every answer is checked (after its timing)."""

    key = "boto3"
    title = "boto3 `invoke` against serve's Lambda API, and the native invoke"

    def __init__(self, context: Context):
        self.context = context
        self.calls = context.config.boto3_calls
        self.source = f"{HANDLER}\n# pylambda bench boto3 {context.run_id}\n"
        self.serve: ServeProcess | None = None
        self.rounds = 0

    def describe(self) -> dict:
        description = {
            "kind": "boto3", "title": self.title, "calls": self.calls, "warm_up_calls": WARM_UP_CALLS,
            "serve_command": ServeProcess(self.context, "boto3-describe").command(),
            "key": "pylambda keys create --scope admin --aws",
            "function": {"FunctionName": FUNCTION, "Runtime": "python3.11", "Handler": "lambda_function.lambda_handler",
                         "source": self.source},
            "payload": PAYLOAD.decode(),
        }
        try:
            import boto3
            import botocore
            description["boto3"], description["botocore"] = boto3.__version__, botocore.__version__
        except ImportError:
            description["boto3"] = "not installed (`make deps` installs it)"
        return description

    def warm_up(self) -> None:
        self._with_function(lambda lam, native: None)

    def measure(self) -> dict:
        self.rounds += 1
        return self._with_function(self._measure)

    def close(self) -> None:
        if self.serve is not None:
            serve, self.serve = self.serve, None
            serve.stop()

    @staticmethod
    def summary(figures: dict) -> str:
        return (f"boto3 p50 {figures['boto3']['p50_ms']:.3f} ms, native p50 {figures['native']['p50_ms']:.3f} ms "
                f"({figures['boto3']['calls']} calls each)")

    def _with_function(self, body):
        """Starts serve, makes the key, the client and the function, warms both clients up, runs `body`,
        and stops serve whatever happens; `body`'s figures with how serve stopped."""
        try:
            import boto3
            from botocore.config import Config
            from botocore.exceptions import BotoCoreError, ClientError
        except ImportError:
            raise ServeError("boto3 is not installed for this python3 (`make deps` installs it)") from None
        self.serve = ServeProcess(self.context, f"boto3-{self.rounds}").start()
        native = None
        try:
            key = self.serve.create_key("bench-boto3", "admin", aws=True)
            lam = boto3.session.Session().client(
                "lambda", endpoint_url=self.serve.url, region_name="us-east-1",
                aws_access_key_id=key["access_key_id"], aws_secret_access_key=key["secret_access_key"],
                config=Config(retries={"mode": "standard", "total_max_attempts": 1}, connect_timeout=10,
                              read_timeout=120))
            lam.create_function(
                FunctionName=FUNCTION, Runtime="python3.11", Role="arn:aws:iam::123456789012:role/pylambda-bench",
                Handler="lambda_function.lambda_handler", Code={"ZipFile": _zip(self.source)})
            native = http.client.HTTPConnection("127.0.0.1", self.serve.port, timeout=60)
            for _ in range(WARM_UP_CALLS):
                self._boto3_call(lam)
                self._native_call(native)
            figures = body(lam, native) or {}
        except (BotoCoreError, ClientError) as error:
            raise ServeError(f"boto3: {error}") from error
        finally:
            if native is not None:
                native.close()
            serve, self.serve = self.serve, None
            shutdown = serve.stop()
        figures["shutdown"] = shutdown
        return figures

    def _measure(self, lam, native: http.client.HTTPConnection) -> dict:
        order = ["boto3", "native"] if self.rounds % 2 else ["native", "boto3"]
        figures = {"order": order}
        for client in order:
            call = (lambda: self._boto3_call(lam)) if client == "boto3" else (lambda: self._native_call(native))
            figures[client] = _summarise([call() for _ in range(self.calls)])
        return figures

    @staticmethod
    def _boto3_call(lam) -> float:
        started = time.perf_counter()
        answer = lam.invoke(FunctionName=FUNCTION, Payload=PAYLOAD)
        body = answer["Payload"].read()
        elapsed = (time.perf_counter() - started) * 1000
        if answer.get("StatusCode") != 200 or "FunctionError" in answer or json.loads(body) != json.loads(PAYLOAD):
            raise ServeError(f"boto3 invoke answered {answer.get('StatusCode')} "
                             f"{answer.get('FunctionError', '')}: {body[:300]!r}")
        return elapsed

    def _native_call(self, connection: http.client.HTTPConnection) -> float:
        started = time.perf_counter()
        connection.request("POST", f"/v1/functions/{FUNCTION}/invoke", body=PAYLOAD,
                           headers={"Authorization": f"Bearer {self.serve.admin_key}",
                                    "Content-Type": "application/json"})
        response = connection.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        if response.status != 200 or json.loads(body) != json.loads(PAYLOAD):
            raise ServeError(f"the native invoke answered {response.status}: {body[:300]!r}")
        return elapsed


def _summarise(samples: list[float]) -> dict:
    """p50 and p99 (nearest rank), mean, min and max of the samples, in ms."""
    ordered = sorted(samples)

    def rank(fraction: float) -> float:
        return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]

    return {"p50_ms": rank(0.50), "p99_ms": rank(0.99), "mean_ms": statistics.mean(ordered),
            "min_ms": ordered[0], "max_ms": ordered[-1], "calls": len(ordered)}


def _zip(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("lambda_function.py", date_time=(2024, 1, 1, 0, 0, 0)), source)
    return buffer.getvalue()
