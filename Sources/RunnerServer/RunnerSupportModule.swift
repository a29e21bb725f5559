/// The runner's own Python module, `_pylambda_runner`, run once inside the interpreter.
///
/// Python-level work stays in Python, where it is short and fast: decoding the body with `json`,
/// calling `entrypoint`, encoding its result strictly, capturing output, formatting tracebacks. Swift
/// calls `FunctionHost.load` / `FunctionHost.run` once per request; each returns a tuple whose first
/// item says how it went, so that no Python exception has to cross into Swift on a user's error.
enum RunnerSupportModule {
    static let name = "_pylambda_runner"
    static let filename = "<pylambda-runner>"
    /// The file name user code is compiled under; tracebacks show its lines.
    static let functionFilename = "function.py"

    static let source = #"""
import binascii
import json
import linecache
import sys
import types

try:
    from _sha256 import sha256  # skips hashlib's OpenSSL load: a few ms of every cold start
except ImportError:
    from hashlib import sha256

FUNCTION_FILE = "function.py"
TAIL_BYTES = 4096


def _reject_constant(name):
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text):
    value = float(text)
    if value in (_INFINITY, -_INFINITY):
        raise ValueError(f"{text} is out of range for a float")
    return value


_INFINITY = float("inf")
# Strict JSON both ways (RFC 8259): no NaN/Infinity in or out. Compact, UTF-8, like FastAPI's JSONResponse.
_decoder = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float)
_encoder = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))
_ascii_encoder = json.JSONEncoder(ensure_ascii=True, allow_nan=False, separators=(",", ":"))


class InvocationOutput:
    """What one invocation (or load) printed: passed through to the runner's stdout/stderr, so that
    `docker logs` shows it, up to `limit` bytes, and the tail kept for X-Log-Tail."""

    def __init__(self):
        self.begin(1 << 20)

    def begin(self, limit):
        self.limit = limit
        self.size = 0
        self.truncated = False
        self.tail = bytearray()

    def write(self, stream, text):
        if self.truncated:
            return
        data = text.encode("utf-8", "backslashreplace")
        room = self.limit - self.size
        if len(data) > room:
            data = data[:room]
            self.truncated = True
        self.size += len(data)
        self._keep(data)
        self._emit(stream, data.decode("utf-8", "ignore") if self.truncated else text)
        if self.truncated:
            marker = f"\n[pylambda] output truncated: this invocation wrote more than {self.limit} bytes\n"
            self._keep(marker.encode())
            self._emit(sys.__stderr__, marker)

    def _keep(self, data):
        self.tail += data
        if len(self.tail) > 2 * TAIL_BYTES:
            del self.tail[:-TAIL_BYTES]

    @staticmethod
    def _emit(stream, text):
        try:
            stream.write(text)
        except (OSError, ValueError, AttributeError):
            pass  # the runner's own log is gone (or was never there); user code keeps running

    def tail_base64(self):
        return binascii.b2a_base64(bytes(self.tail[-TAIL_BYTES:]), newline=False).decode("ascii")


class OutputStream:
    """Stands in for sys.stdout / sys.stderr. `logging` handlers created by user code bind to it too."""

    def __init__(self, stream, output):
        self._stream = stream
        self._output = output

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self._output.write(self._stream, text)
        return len(text)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        try:
            self._stream.flush()
        except (OSError, ValueError):
            pass

    def isatty(self):
        return False

    def writable(self):
        return True

    def readable(self):
        return False

    def __getattr__(self, name):
        return getattr(self._stream, name)


OUTPUT = InvocationOutput()
sys.stdout = OutputStream(sys.__stdout__, OUTPUT)
sys.stderr = OutputStream(sys.__stderr__, OUTPUT)


def _frames_after_runner(tb):
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    return tb


def describe(error):
    """(type, message, traceback lines) of an exception, without the runner's own frames."""
    import traceback  # only errors pay for it, not cold starts

    error.__traceback__ = _frames_after_runner(error.__traceback__)
    try:
        lines = "".join(traceback.format_exception(error)).splitlines()
    except BaseException:
        lines = []
    try:
        message = str(error)
    except BaseException:
        message = "<str() of the exception failed>"
    return type(error).__name__, _utf8(message), [_utf8(line) for line in lines]


def _utf8(text):
    """Lone surrogates (from user data) have no UTF-8 form: escape them rather than lose the text."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _error(kind, error, want_tail=False):
    name, message, lines = describe(error)
    if kind == "invalid_request":
        lines = []  # the frames would be json's own, not the caller's
    return ("error", kind, name, message, lines, OUTPUT.tail_base64() if want_tail else None)


def _decode(body):
    return _decoder.decode(body.decode("utf-8"))


class FunctionHost:
    """One runner's loaded function. Its module's globals live as long as the load, as in a warm Lambda."""

    def __init__(self, deadline_exceeded, output_limit):
        self._deadline_exceeded = deadline_exceeded
        self._output_limit = output_limit
        self._source = ""
        self.entrypoint = None
        self.code_sha256 = None

    def load(self, body):
        try:
            request = _decode(body)
        except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
            return _error("invalid_request", error)
        if not isinstance(request, dict) or "code" not in request:
            return ("error", "invalid_request", "InvalidRequest",
                    'the body must be a JSON object with a "code" string', [], None)
        code = request["code"]
        if not isinstance(code, str):
            return ("error", "invalid_request", "InvalidRequest",
                    f'"code" must be a string, not {type(code).__name__}', [], None)

        digest = sha256(code.encode("utf-8", "surrogatepass")).hexdigest()
        if digest == self.code_sha256 and self.entrypoint is not None:
            return ("loaded", digest, True)

        # A failed load leaves nothing loaded: never run stale code after new code was rejected.
        self.entrypoint = None
        self.code_sha256 = None
        self._source = code
        OUTPUT.begin(self._output_limit)
        try:
            compiled = compile(code, FUNCTION_FILE, "exec")
        except self._deadline_exceeded:
            raise
        except Exception as error:  # SyntaxError, and RecursionError/MemoryError from the compiler
            return self._error("syntax", error)
        module = types.ModuleType("function")
        module.__file__ = FUNCTION_FILE
        # dataclasses, pickle and typing look a class's module up in sys.modules.
        sys.modules["function"] = module
        try:
            exec(compiled, module.__dict__)
        except self._deadline_exceeded:
            sys.modules.pop("function", None)
            raise
        except BaseException as error:
            sys.modules.pop("function", None)
            return self._error("load", error)
        entrypoint = module.__dict__.get("entrypoint")
        if entrypoint is None or not callable(entrypoint):
            found = "defines no entrypoint" if entrypoint is None else \
                f"defines entrypoint as a {type(entrypoint).__name__}, which is not callable"
            return ("error", "no_entrypoint", "EntrypointNotFound",
                    f"the code {found}; define `def entrypoint(data):`", [], None)
        self.module = module
        self.entrypoint = entrypoint
        self.code_sha256 = digest
        return ("loaded", digest, False)

    def _error(self, kind, error, want_tail=False):
        # Tracebacks read source lines from linecache: give them this host's source, not another's.
        linecache.cache[FUNCTION_FILE] = (len(self._source), None, self._source.splitlines(True), FUNCTION_FILE)
        return _error(kind, error, want_tail)

    def run(self, body, want_tail):
        entrypoint = self.entrypoint
        if entrypoint is None:
            return ("error", "not_loaded", "NotLoaded", "no function is loaded: POST /load first", [], None)
        OUTPUT.begin(self._output_limit)
        try:
            data = _decode(body)
        except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
            return _error("invalid_request", error)
        try:
            result = entrypoint(data)
        except self._deadline_exceeded:
            raise
        except BaseException as error:
            return self._error("user", error, want_tail)
        try:
            try:
                payload = _encoder.encode(result).encode("utf-8")
            except UnicodeEncodeError:
                payload = _ascii_encoder.encode(result).encode("ascii")
        except (TypeError, ValueError, RecursionError) as error:
            return _error("result", error, want_tail)
        return ("ok", payload, OUTPUT.tail_base64() if want_tail else None)
"""#
}
