"""What user code prints: `_pylambda_output`, the part of the runner's support code that stands in for
`sys.stdout` and `sys.stderr`.

Output never reaches a response body. It goes on to the runner's own stdout/stderr (`docker logs`),
up to a limit per invocation, then a truncation marker; the last 4 KiB are kept for `X-Log-Tail`.
"""
import binascii
import sys

TAIL_BYTES = 4096


class InvocationOutput:
    """What one invocation (or load) printed: passed through to the runner's stdout/stderr, so that
    `docker logs` shows it, up to `limit` bytes, and the tail kept for X-Log-Tail."""

    def __init__(self):
        self.limit = 1 << 20
        self.size = 0
        self.truncated = False
        self.tail = bytearray()

    def begin(self, limit):
        self.limit = limit
        if self.size or self.truncated:
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

    def write_always(self, stream, text):
        """What the runner itself writes for the invocation (its error): past the limit too."""
        try:
            data = text.encode("utf-8", "backslashreplace")
            self.size += len(data)
            self._keep(data)
            self._emit(stream, text)
        except MemoryError:
            pass

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
