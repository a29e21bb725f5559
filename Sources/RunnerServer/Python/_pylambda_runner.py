"""The runner's own Python module, `_pylambda_runner`, run once inside the embedded interpreter.

Python-level work stays in Python, where it is short and fast: decoding request bodies with `json`,
loading the function (one source file, or a package directory with dependency directories), calling
it, encoding its result strictly, capturing its output, formatting tracebacks. The runner (Swift)
calls `FunctionHost.load` and `FunctionHost.run` once per request. Neither raises on a user's error:
each returns a value whose shape says how it went, so that no Python exception crosses into Swift but
the deadline's (`DeadlineExceeded`, which the runner raised itself).

It ships inside the swift-runner binary as a SwiftPM resource, with the two modules it imports:
`_pylambda_output` (output capture) and `_pylambda_loading` (reading a /load, importing the function,
undoing a load). All three are checked by `python3 -m py_compile` (scripts/lint-python.sh).
"""
import os
import sys

import _json  # the C half of `json`: `json` itself imports `re` and `enum`, a large part of a cold start

from _pylambda_loading import (CODE_FILE as FUNCTION_FILE, CoroutineType, CurrentRequest, EntrypointNotFound,
                               InvalidLoad, LambdaContext, LoadRequest, ProcessState, compile_code, find_handler,
                               import_handler_module, install_root_log_handler, is_async_function, run_code,
                               takes_context)
from _pylambda_output import OUTPUT

try:
    from _sha256 import sha256  # skips hashlib's OpenSSL load: a few ms of every cold start
except ImportError:  # pragma: no cover - CPython builds without the module
    from hashlib import sha256

# --- Strict JSON both ways (RFC 8259): no NaN or Infinity in or out --------------------------------

_INFINITY = float("inf")
_JSON_SPACE = " \t\n\r"


def _reject_constant(name):
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text):
    value = float(text)
    if value in (_INFINITY, -_INFINITY):
        raise ValueError(f"{text} is out of range for a float")
    return value


class _ScannerSettings:
    """What `_json.make_scanner` reads from a `json.JSONDecoder`: strict JSON, no NaN or Infinity."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_int = int
    parse_float = staticmethod(_finite_float)
    parse_constant = staticmethod(_reject_constant)


_scan = _json.make_scanner(_ScannerSettings())


def _decode_error(message, text, position):
    from json import JSONDecodeError  # only bad input pays for `json`

    return JSONDecodeError(message, text, position)


def decode_json(text):
    """One JSON value with optional whitespace around it; `JSONDecodeError` (a ValueError) otherwise.

    `json.loads` does the same with two regular-expression matches per call; this skips them in the
    usual case of no surrounding whitespace.
    """
    start = 0
    if text and text[0] in _JSON_SPACE:
        start = len(text) - len(text.lstrip(_JSON_SPACE))
    try:
        value, end = _scan(text, start)
    except StopIteration as stop:
        raise _decode_error("Expecting value", text, stop.value) from None
    except SystemError:
        # The C scanner raises its syntax errors through `json.decoder`, which it finds only if it
        # has been imported: import it (bad input only) and scan again for the real error.
        import json.decoder  # noqa: F401

        value, end = _scan(text, start)
    if end != len(text) and text[end:].strip(_JSON_SPACE):
        raise _decode_error("Extra data", text, end)
    return value


def _not_serializable(value):
    """What the encoder makes of what JSON has no type for: a `Decimal` (boto3's DynamoDB numbers)
    is a number, as Lambda's runtime writes it, exact when it is whole. (NaN and infinities are
    not JSON, as `float`'s are not.)"""
    try:
        decimal = sys.modules.get("decimal")  # a Decimal exists only once its module is imported
        if decimal is not None and isinstance(value, decimal.Decimal) and value.is_finite():
            # Whole and of a sane size: exact. Else a float; one out of range is refused as inf is.
            if value.adjusted() < 64 and value == value.to_integral_value():
                return int(value)
            return float(value)
    except Exception:  # a subclass's own methods raised
        pass
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


# The C encoder that `json.dumps` builds on every call, built once: compact, UTF-8 (not ASCII-escaped),
# no NaN. Its `markers` dict (for cycle detection) empties itself after a successful encoding.
_markers = {}
_encode_chunks = _json.make_encoder(
    _markers, _not_serializable, _json.encode_basestring, None, ":", ",", False, False, False)


def encode_json(value):
    """The compact JSON text of `value`; TypeError, ValueError or RecursionError if it has none."""
    try:
        return "".join(_encode_chunks(value, 0))
    except BaseException:
        _markers.clear()
        raise


# --- Errors ---------------------------------------------------------------------------------------


def _frames_after_runner(tb):
    # The support modules are compiled under "<pylambda-...>" names (see RunnerSupportModule.swift);
    # an `async def` handler's frames come after asyncio's, which ran it for the runner.
    runner = ("<pylambda-",)
    asyncio = sys.modules.get("asyncio")
    if asyncio is not None and getattr(asyncio, "__file__", None):
        runner += (asyncio.__file__.rpartition("/")[0] + "/",)
    while tb is not None and tb.tb_frame.f_code.co_filename.startswith(runner):
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
    elif kind in ("user", "syntax", "load", "result"):
        # The function's own failure goes into its output too, as Lambda's runtime logs it: `docker
        # logs` and the log tail then show why the call failed, after what it printed (past the
        # output limit too: a call that printed too much is the one whose error is most needed).
        OUTPUT.write_always(sys.__stderr__, "".join(f"{line}\n" for line in [f"[ERROR] {name}: {message}", *lines]))
    return ("error", kind, name, message, lines, OUTPUT.tail_base64() if want_tail else None)


def _refusal(kind, message):
    # The wire type of a refusal is the runner's to name (FunctionError.errorType), by its kind.
    return ("error", kind, "", message, [], None)


_WARM_UP_LOAD = b'{"code": "def entrypoint(data):\\n    return [data, len(data)]\\n"}'
_WARM_UP_INPUT = '{"text": "t", "number": 1.5, "list": [1, null, true]}'

_NOT_LOADED = _refusal("not_loaded", "no function is loaded: POST /load first")

# --- The loaded function ----------------------------------------------------------------------------


class LoadedFunction:
    """One successful load: the handler, how to call it, and what identifies the load."""

    __slots__ = ("handler", "takes_context", "function", "key", "source")

    def __init__(self, handler, takes_context, function, key, source):
        self.handler = handler
        self.takes_context = takes_context
        self.function = function
        self.key = key
        self.source = source


class FunctionHost:
    """One runner's loaded function. Its module's globals live as long as the load, as in a warm Lambda.

    `load(body)` answers ("loaded", response JSON text) or an error tuple.
    `run(text, want_tail, invocation_id, deadline_ns)` answers the result's JSON text (str) when no
    output tail was asked for, ("ok", JSON text, tail) when one was, or an error tuple.
    An error tuple is ("error", kind, type, message, traceback lines, tail or None).
    """

    def __init__(self, deadline_exceeded, output_limit):
        self._deadline_exceeded = deadline_exceeded
        self._output_limit = output_limit
        self._loaded = None
        self._state = ProcessState()
        self._event_loop = None

    def own_process(self):
        """The runner is the whole process (see `RunnerConfiguration.ownsProcess`): a package's code
        runs in its directory. Called before the first load."""
        self._state = ProcessState(change_directory=True)

    @staticmethod
    def hide_environment_variable(name):
        """Removes one of the runner's own settings (read by now) from what functions see."""
        os.environ.pop(name, None)

    def load(self, body):
        try:
            request = decode_json(body.decode("utf-8"))
        except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
            return _error("invalid_request", error)
        try:
            request = LoadRequest(request, _code_digest)
        except InvalidLoad as error:
            return _refusal("invalid_request", str(error))
        loaded = self._loaded
        if loaded is not None and request.key is not None and request.key == loaded.key:
            return ("loaded", self._answer(request, True))

        # A failed load leaves nothing loaded: never run stale code after new code was rejected.
        self.unload()
        OUTPUT.begin(self._output_limit)
        source = request.code or ""
        stage = "syntax"
        try:
            self._state.apply(request)
            if request.code is not None:
                compiled = compile_code(request.code)
                stage = "load"
                module = run_code(compiled, type(sys), request.code)
            else:
                stage = "load"
                module = import_handler_module(request)
            handler = find_handler(module, request)
            context = takes_context(handler)
            if is_async_function(handler):
                self._open_event_loop()  # `asyncio` is imported by the load, not by the first call
        except self._deadline_exceeded:
            self.unload()
            raise
        except InvalidLoad as error:
            self.unload()
            return _refusal("invalid_request", str(error))
        except EntrypointNotFound as error:
            self.unload()
            return _refusal("no_entrypoint", str(error))
        except BaseException as error:  # compiling: SyntaxError, RecursionError, MemoryError
            self.unload()
            kind = "syntax" if stage == "syntax" or isinstance(error, SyntaxError) else "load"
            return self._error(kind, error, source=source)
        install_root_log_handler()
        self._loaded = LoadedFunction(handler, context, request.function, request.key, source)
        return ("loaded", self._answer(request, False))

    def warm_up(self):
        """One load and one call of a trivial function, then nothing loaded. A runner's first load
        costs about 3 ms more than the next ones (work CPython and the runner do only once); a runner
        waiting in the warm pool does it while it waits, not once new code has arrived."""
        if self.load(_WARM_UP_LOAD)[0] == "loaded":
            self.run(_WARM_UP_INPUT, False, None, 0)
        self.unload()

    @staticmethod
    def _answer(request, reused):
        return encode_json({"status": "loaded", "code_sha256": request.digest or "", "reused": reused})

    def tail(self):
        """The last 4 KiB the current invocation printed (base64): for a call interrupted at its
        deadline, whose output is what its caller most needs."""
        return OUTPUT.tail_base64()

    def unload(self):
        """Forgets the function and undoes what its load changed in the process."""
        self._loaded = None
        self._close_event_loop()
        asyncio = sys.modules.get("asyncio")
        if asyncio is not None:
            # A fresh policy, as in a new process: no loop (or policy) the module's code set up, with
            # what it scheduled, reaches the next load.
            asyncio.set_event_loop_policy(None)
        self._state.undo()

    # --- `async def` handlers ---

    def _open_event_loop(self):
        """The load's event loop. It lasts as long as the load, as module globals do: a client that
        an `async def` handler made on it in one call still works in the next. If the module's code
        made one (`asyncio.get_event_loop()` at import), that is the one."""
        loop = self._event_loop
        if loop is None:
            import asyncio

            try:
                loop = asyncio.get_event_loop_policy().get_event_loop()
            except RuntimeError:
                loop = None
            if loop is None or loop.is_closed():
                loop = asyncio.new_event_loop()
                asyncio.set_event_loop(loop)
            self._event_loop = loop
        return loop

    def _close_event_loop(self):
        """Drops the event loop and whatever it still had scheduled, without running any of it."""
        loop, self._event_loop = self._event_loop, None
        if loop is None:
            return
        import asyncio

        for task in asyncio.all_tasks(loop):
            task._log_destroy_pending = False  # dropped on purpose: no "Task was destroyed" warning
        loop.close()

    def _complete(self, coroutine):
        """Runs the coroutine an `async def` handler returned until it ends, and returns its result.

        A call interrupted at its deadline, or whose coroutine the loop could not finish, takes the
        loop with it: nothing that call scheduled runs during a later one. The calls after get a new
        loop of the function's policy (uvloop's, say).
        """
        loop = self._open_event_loop()
        task = loop.create_task(coroutine)
        try:
            return loop.run_until_complete(task)
        except BaseException as error:
            if isinstance(error, self._deadline_exceeded) or not task.done():
                self._close_event_loop()
                asyncio = sys.modules["asyncio"]
                asyncio.set_event_loop(asyncio.new_event_loop())
            raise

    def _error(self, kind, error, want_tail=False, source=None):
        # Tracebacks read source lines from linecache: give them this load's source, not another's.
        import linecache

        if source is None:
            source = self._loaded.source if self._loaded is not None else ""
        linecache.cache[FUNCTION_FILE] = (len(source), None, source.splitlines(True), FUNCTION_FILE)
        return _error(kind, error, want_tail)

    def run(self, text, want_tail, invocation_id, deadline_ns):
        loaded = self._loaded
        if loaded is None:
            return _NOT_LOADED
        OUTPUT.begin(self._output_limit)
        try:
            data = decode_json(text if text.__class__ is str else text.decode("utf-8"))
        except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
            return _error("invalid_request", error)
        try:
            if loaded.takes_context:
                context = LambdaContext(loaded.function, invocation_id, deadline_ns)
                CurrentRequest.id = context.aws_request_id
                result = loaded.handler(data, context)
            else:
                CurrentRequest.id = invocation_id or ""
                result = loaded.handler(data)
            if result.__class__ is CoroutineType:  # an `async def` handler
                result = self._complete(result)
        except self._deadline_exceeded:
            raise
        except BaseException as error:
            return self._error("user", error, want_tail)
        finally:
            CurrentRequest.id = ""
        try:
            payload = encode_json(result)
        except (TypeError, ValueError, RecursionError) as error:
            return _error("result", error, want_tail)
        if want_tail:
            return ("ok", payload, OUTPUT.tail_base64())
        return payload


def _code_digest(code):
    return sha256(code.encode("utf-8", "surrogatepass")).hexdigest()
