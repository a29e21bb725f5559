"""How the runner loads a function: `_pylambda_loading`, the half of the runner's support code that
reads a /load body, imports the function (one source file, or a package directory with dependency
directories), and puts the process back as it was before the next load.

A load changes process-wide state: `sys.path`, `os.environ`, `sys.modules`. `ProcessState` records
each change so that the next load (or the runner's end) can undo it: one load never sees another's
modules, path entries or environment.
"""
import os
import sys
import time



class _Probe:
    def method(self):
        pass

    async def coroutine(self):
        pass


# `types.FunctionType`, `types.MethodType` and `types.CoroutineType`, without importing `types` into
# every runner.
_FunctionType = type(_Probe.method)
_MethodType = type(_Probe().method)
_sample = _Probe().coroutine()
CoroutineType = type(_sample)
_sample.close()
del _sample
# `inspect.CO_VARARGS`: the code takes `*args`; `inspect.CO_COROUTINE`: it is an `async def`.
_CO_VARARGS = 0x04
_CO_COROUTINE = 0x80

CODE_FILE = "function.py"
CODE_MODULE = "function"
DEFAULT_CODE_HANDLER = "entrypoint"
DEFAULT_PACKAGE_HANDLER = "main.entrypoint"


class InvalidLoad(Exception):
    """A /load body of the wrong shape: answered 400 InvalidRequest with this message."""


class EntrypointNotFound(Exception):
    """The handler's module or function does not exist: answered 400 EntrypointNotFound."""


# --- The request ------------------------------------------------------------------------------------


def _string(request, key, default=None):
    value = request.get(key, default)
    if value is not None and not isinstance(value, str):
        raise InvalidLoad(f'"{key}" must be a string, not {type(value).__name__}')
    return value


def _directory(path, what):
    if not path.startswith("/"):
        raise InvalidLoad(f"{what} must be an absolute path, not {path!r}")
    if not os.path.isdir(path):
        raise InvalidLoad(f"{what} names no directory: {path}")
    return os.path.normpath(path)


class LoadRequest:
    """A /load body, checked: `code` or `package`, and the optional `handler`, `sys_path`, `env`,
    `digest` and `function`."""

    def __init__(self, request, code_digest):
        if not isinstance(request, dict) or ("code" not in request and "package" not in request):
            raise InvalidLoad('the body must be a JSON object with a "code" string or a "package" path')
        if "code" in request and "package" in request:
            raise InvalidLoad('give "code" or "package", not both')
        self.code = _string(request, "code")
        package = _string(request, "package")
        self.package = _directory(package, '"package"') if package is not None else None
        self.handler = _string(request, "handler") or (DEFAULT_PACKAGE_HANDLER if self.package else DEFAULT_CODE_HANDLER)
        self.sys_path = self._sys_path(request.get("sys_path"))
        self.env = self._env(request.get("env"))
        digest = _string(request, "digest")
        self.digest = code_digest(self.code) if self.code is not None else digest
        function = self._function(request.get("function"))
        # Equal keys load the same thing the same way: the second is answered "reused".
        self.key = None if self.digest is None else (
            self.digest, self.package, self.handler, tuple(self.sys_path), tuple(sorted(self.env.items())), function)
        if function[5] is None:
            function = function[:5] + (_log_stream_name(function[1]),)
        self.function = function

    @staticmethod
    def _sys_path(value):
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise InvalidLoad('"sys_path" must be an array of strings (absolute directory paths)')
        return [_directory(item, '"sys_path" entry') for item in value]

    @staticmethod
    def _env(value):
        if value is None:
            return {}
        if not isinstance(value, dict) or not all(isinstance(item, str) for item in value.values()):
            raise InvalidLoad('"env" must be an object whose values are strings')
        for name, item in value.items():
            if not name or "=" in name or "\0" in name or "\0" in item:
                raise InvalidLoad(f'"env" has a name or value that cannot be an environment variable: {name!r}')
        return dict(value)

    @staticmethod
    def _function(value):
        """(name, version, memory_limit_in_mb, invoked_function_arn, log group, log stream)."""
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise InvalidLoad('"function" must be an object')
        strings = {}
        for key in ("name", "version", "invoked_function_arn", "log_group_name", "log_stream_name"):
            strings[key] = _string(value, key)
        memory = value.get("memory_limit_in_mb")
        if memory is not None and (type(memory) is not int or memory < 0):
            raise InvalidLoad('"function.memory_limit_in_mb" must be a whole number of megabytes')
        name = strings["name"] or "function"
        version = strings["version"] or "$LATEST"
        return (name, version, memory if memory is not None else 0,
                strings["invoked_function_arn"] or f"arn:aws:lambda:local:000000000000:function:{name}",
                strings["log_group_name"] or f"/aws/lambda/{name}",
                strings["log_stream_name"])


# --- What a load changes, and how to undo it ---------------------------------------------------------


class ProcessState:
    """The process-wide changes of the current load: path entries, environment, module directories,
    and (when the runner is the whole process) the working directory: a package's, as Lambda's code
    runs in /var/task, so that `open("data/config.json")` finds the package's file."""

    def __init__(self, change_directory=False):
        self._change_directory = change_directory
        self._path_entries = []
        self._saved_env = {}
        self._directories = ()
        self._code_module = False
        self._saved_directory = None

    def apply(self, request):
        """Sets the load's environment (Lambda's variables, then the function's own) and puts its
        directories first on `sys.path`."""
        for name, value in {**lambda_environment(request), **request.env}.items():
            self._saved_env.setdefault(name, os.environ.get(name))
            os.environ[name] = value
        entries = ([request.package] if request.package else []) + request.sys_path
        _import_shadowed_standard_modules(entries)
        sys.path[0:0] = entries
        self._path_entries = entries
        self._directories = tuple(entry.rstrip("/") + "/" for entry in entries)
        self._code_module = request.code is not None
        if self._change_directory and request.package:
            self._saved_directory = os.getcwd()
            os.chdir(request.package)
        if entries:
            import importlib

            importlib.invalidate_caches()

    def undo(self):
        """Removes what the load imported from its directories (and its code module), its path
        entries and its environment."""
        directories = self._directories
        if directories:
            for name, module in list(sys.modules.items()):
                if _loaded_from(module, directories):
                    del sys.modules[name]
            for entry in list(sys.path_importer_cache):
                if isinstance(entry, str) and (entry + "/").startswith(directories):
                    del sys.path_importer_cache[entry]
        if self._code_module:
            sys.modules.pop(CODE_MODULE, None)
            _forget_code_lines()
        remove_root_log_handler()
        for entry in self._path_entries:
            try:
                sys.path.remove(entry)
            except ValueError:
                pass  # user code took it out itself
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        if self._saved_directory is not None:
            try:
                os.chdir(self._saved_directory)
            except OSError:
                pass  # gone (user code removed it): the next load sets its own, or runs where it is
        self.__init__(self._change_directory)


# What the runner's own error path imports (`traceback`, `linecache`, `json`) and `logging`: what
# Lambda's runtime has imported before user code runs, and with them the modules the standard library
# itself leans on (`re`, `enum`, `types`, `functools`, `tokenize`, `token`, `string`, `threading`...).
# `inspect` too: the runner imports it to read a decorated handler's parameters (and it brings `ast`,
# `dis`, `opcode`).
_IMPORTED_AHEAD = ("traceback", "linecache", "json.decoder", "logging", "inspect")


def _import_shadowed_standard_modules(directories):
    """A package (or dependency set) with a top-level module named like one of those standard modules
    (`token.py`, `types.py`) would replace it for the standard library too, and break it: `import
    logging` fails, and so does the runner's own report of the function's errors. Lambda's runtime
    has imported them before user code runs, so there the standard module wins; here they are imported
    before the package goes on `sys.path`, only when its names clash with the standard library's (a
    cold start does not pay for the imports). Other clashing names (`code.py`, `secrets.py`) stay the
    package's own, as on Lambda."""
    standard = sys.stdlib_module_names
    clashes = set()
    for directory in directories:
        try:
            names = os.listdir(directory)
        except OSError:
            continue
        for name in names:
            top = name.split(".", 1)[0]
            if top in standard and top not in sys.modules:
                clashes.add(top)
    if not clashes:
        return
    import importlib

    for name in _IMPORTED_AHEAD:
        importlib.import_module(name)


def _loaded_from(module, directories):
    origin = getattr(module, "__file__", None)
    if isinstance(origin, str) and origin.startswith(directories):
        return True
    path = getattr(module, "__path__", None)  # a package; a namespace package has no __file__
    try:
        return path is not None and any(isinstance(entry, str) and (entry + "/").startswith(directories) for entry in path)
    except Exception:
        return False


# --- Importing the handler --------------------------------------------------------------------------


def compile_code(code):
    """Compiles one source file; SyntaxError (or the compiler's RecursionError, MemoryError). A UTF-8
    byte order mark (editors on Windows write one) is skipped, as CPython skips it in a file."""
    return compile(code[1:] if code.startswith("\ufeff") else code, CODE_FILE, "exec")


class _SourceLoader:
    """The code module's `__loader__`: gives its source to `linecache`, so that tracebacks the function
    formats itself (`traceback.format_exc()`, `logging.exception`) and `inspect.getsource` show its
    lines, although no file holds them."""

    __slots__ = ("_source",)

    def __init__(self, source):
        self._source = source

    def get_source(self, name):
        return self._source


def _forget_code_lines():
    """Drops lines `linecache` holds for the code module's file name: another load's."""
    linecache = sys.modules.get("linecache")
    if linecache is not None:
        linecache.cache.pop(CODE_FILE, None)


def run_code(compiled, module_factory, source):
    """Runs compiled source as the module `function`. Raises what the code raises."""
    module = module_factory(CODE_MODULE)
    module.__file__ = CODE_FILE
    module.__loader__ = _SourceLoader(source)
    _forget_code_lines()
    # dataclasses, pickle and typing look a class's module up in sys.modules.
    sys.modules[CODE_MODULE] = module
    exec(compiled, module.__dict__)
    return module


def import_handler_module(request):
    """Imports the module half of a package handler (`module.function`, `a.b.function`)."""
    module_name, _, _ = request.handler.rpartition(".")
    if not module_name:
        raise InvalidLoad(f'a package handler is "module.function", not {request.handler!r}')
    try:
        # __import__ (not importlib.import_module): CPython then hides its own import frames from
        # the traceback of an error in the user's module.
        __import__(module_name)
    except ModuleNotFoundError as error:
        if error.name == module_name or module_name.startswith(f"{error.name}."):
            raise EntrypointNotFound(
                f'the package {request.package} has no module "{module_name}" (handler "{request.handler}")') from None
        raise
    return sys.modules[module_name]


def find_handler(module, request):
    """The handler function in the loaded module; EntrypointNotFound naming what was looked for."""
    name = request.handler.rpartition(".")[2]
    handler = module.__dict__.get(name)
    if request.package is not None:
        where = f'module "{module.__name__}" of {request.package}'
    else:
        where = "the code"
    if handler is None:
        hint = "; define `def entrypoint(data):`" if name == DEFAULT_CODE_HANDLER and request.package is None else ""
        raise EntrypointNotFound(f"{where} defines no {name}{hint}")
    if not callable(handler):
        kind = type(handler).__name__
        article = "an" if kind[:1] in "aeiou" else "a"
        raise EntrypointNotFound(f"{where} defines {name} as {article} {kind}, which is not callable")
    return handler


def is_async_function(handler):
    """Whether calling `handler` surely makes a coroutine: an `async def` function or method. Other
    callables (a sync wrapper around one) are recognized by what they return, at their first call."""
    code = getattr(getattr(handler, "__func__", handler), "__code__", None)
    return code is not None and bool(code.co_flags & _CO_COROUTINE)


def takes_context(handler):
    """Whether `handler` is Lambda's `handler(event, context)`: two positional parameters, or `*args`
    with at most two before it (a decorator's wrapper, which Lambda also calls with both). Decorators
    that keep the function in `__wrapped__` (`functools.wraps`, as aws-lambda-powertools' and
    Sentry's do) are looked through.

    Decided once per load: from the code object for plain functions and methods (cheap), from
    `inspect.signature` for wrapped and other callables.
    """
    function = handler.__func__ if type(handler) is _MethodType else handler
    if type(function) is _FunctionType and not hasattr(function, "__wrapped__"):
        code = function.__code__
        named = code.co_argcount - (1 if function is not handler else 0)
        return named <= 2 if code.co_flags & _CO_VARARGS else named == 2
    import inspect

    try:
        parameters = list(inspect.signature(handler).parameters.values())
    except (TypeError, ValueError):
        return False
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    named = sum(1 for parameter in parameters if parameter.kind in positional)
    if any(parameter.kind is inspect.Parameter.VAR_POSITIONAL for parameter in parameters):
        return named <= 2
    return named == 2


# --- The Lambda context -----------------------------------------------------------------------------


class LambdaContext:
    """The `context` of a `handler(event, context)`, as AWS Lambda's Python runtime gives it (but
    `memory_limit_in_mb` is an int here, as the /load request gives it)."""

    __slots__ = ("function_name", "function_version", "memory_limit_in_mb", "invoked_function_arn",
                 "log_group_name", "log_stream_name", "aws_request_id", "identity", "client_context",
                 "_deadline_ns")

    def __init__(self, function, request_id, deadline_ns):
        (self.function_name, self.function_version, self.memory_limit_in_mb, self.invoked_function_arn,
         self.log_group_name, self.log_stream_name) = function
        self.aws_request_id = request_id if request_id is not None else uuid4()
        self.identity = None
        self.client_context = None
        self._deadline_ns = deadline_ns

    def get_remaining_time_in_millis(self):
        """Milliseconds until this invocation's deadline (0 once it has passed)."""
        return max(0, (self._deadline_ns - time.monotonic_ns()) // 1_000_000)

    def __repr__(self):
        return f"LambdaContext(function_name={self.function_name!r}, aws_request_id={self.aws_request_id!r})"


def lambda_environment(request):
    """The variables Lambda's runtime sets that code and libraries read (aws-lambda-powertools'
    service name, boto3's region, files found under `LAMBDA_TASK_ROOT`), from the load's `function`
    (name, version, memory, the ARN's region, log group and stream) and its code: a package's
    directory is the task root, as /var/task is on Lambda; one source file's is the working directory."""
    name, version, memory, arn, group, stream = request.function
    parts = arn.split(":")
    region = parts[3] if len(parts) > 3 and parts[3] else "local"
    environment = {
        "AWS_LAMBDA_FUNCTION_NAME": name, "AWS_LAMBDA_FUNCTION_VERSION": version, "AWS_LAMBDA_LOG_GROUP_NAME": group,
        "AWS_LAMBDA_LOG_STREAM_NAME": stream, "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_REGION": region, "AWS_DEFAULT_REGION": region,
        "LAMBDA_TASK_ROOT": request.package or os.getcwd(), "_HANDLER": request.handler,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_python{sys.version_info[0]}.{sys.version_info[1]}",
    }
    if memory:
        environment["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = str(memory)
    return environment


def install_root_log_handler():
    """As Lambda's runtime does: the root logger writes to the function's output (its log tail), so
    `logging.getLogger().setLevel(logging.INFO); logging.info(...)` shows. Only once the function's
    code has imported `logging` (importing it for every runner would cost every cold start), and
    only if nothing configured the root logger."""
    global _root_log_handler
    logging = sys.modules.get("logging")
    if logging is None:
        return
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    formatter = logging.Formatter(
        "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s", "%Y-%m-%dT%H:%M:%S")
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    handler.addFilter(_add_request_id)
    root.addHandler(handler)
    _root_log_handler = (root, handler)


class CurrentRequest:
    """The id of the call being run, for log lines (`[INFO]\t<time>\t<request id>\t<message>`, as
    Lambda's runtime writes them); empty outside a call, as Lambda's are while a function loads."""

    id = ""


def _add_request_id(record):
    record.aws_request_id = CurrentRequest.id
    return True


def remove_root_log_handler():
    """Undoes `install_root_log_handler`: the next function's own `logging.basicConfig` works."""
    global _root_log_handler
    if _root_log_handler is not None:
        root, handler = _root_log_handler
        _root_log_handler = None
        root.removeHandler(handler)


_root_log_handler = None


def _log_stream_name(version):
    """A log stream named like Lambda's, one per load, for a load that was given none."""
    return f"{time.strftime('%Y/%m/%d', time.gmtime())}/[{version}]{os.urandom(16).hex()}"


def uuid4():
    """A random UUID, without importing `uuid` (and what it imports) into every runner."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    text = raw.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
