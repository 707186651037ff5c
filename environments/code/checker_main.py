"""Runs inside the checker's sandbox: the trusted test code, calling the candidate only through the host.

Shipped after codec.py as one program; each sample's spec arrives as a message. The candidate lives in another
process; here it is a proxy whose calls become `call` messages that the host relays. Every value that comes
back is decoded from the closed encoding, so comparisons below only ever see built-in data.
"""

import builtins
import os
import sys
import time

_MAPPED = ("ArithmeticError", "AssertionError", "AttributeError", "IndexError", "KeyError", "LookupError",
           "NotImplementedError", "OverflowError", "RecursionError", "RuntimeError", "StopIteration",
           "TypeError", "ValueError", "ZeroDivisionError", "MemoryError", "UnicodeError", "NameError")


class CandidateAborted(BaseException):
    """The candidate died, hung or raised SystemExit-like: not catchable by `except Exception`."""


class CandidateError(Exception):
    """The candidate raised an exception of a type the checker does not recreate."""


class TestArgumentError(Exception):
    """The test passed an argument outside the closed encoding."""


class Channel:
    """The private pipe pair to the host, taken before any test code runs."""

    def __init__(self):
        self.reader = os.fdopen(os.dup(0), "rb")
        self.write_fd = os.dup(1)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(2, 1)
        os.close(null)
        self.aborted = None  # why the candidate aborted during the current test, if it did

    def abort(self, why):
        self.aborted = self.aborted or why
        raise CandidateAborted(why)

    def send(self, message):
        data = dumps(message)  # noqa: F821 (codec.py is prepended)
        while data:
            data = data[os.write(self.write_fd, data):]

    def recv(self):
        line = self.reader.readline()
        if not line:
            raise SystemExit(0)  # the host hung up: nothing left to report
        return loads(line)  # noqa: F821

    def call(self, fn, method, init, args, kwargs):
        try:
            request = {"op": "call", "fn": fn, "method": method, "init": init,
                       "args": encode(list(args)), "kwargs": encode(dict(kwargs))}  # noqa: F821
        except EncodeError as exc:  # noqa: F821
            raise TestArgumentError(f"test argument outside the closed encoding: {exc}") from None
        self.send(request)
        reply = self.recv()
        if "ok" in reply:
            try:
                return decode(reply["ok"])  # noqa: F821
            except (DecodeError, RecursionError) as exc:  # noqa: F821
                self.abort(f"malformed value from the candidate: {exc}")
        if "bad" in reply:
            self.abort(str(reply["bad"]))
        if "dead" in reply:
            self.abort(str(reply["dead"]))
        name, text = str(reply.get("raised")), str(reply.get("msg"))
        if reply.get("base"):
            self.abort(f"candidate raised {name}: {text}")
        if name in _MAPPED:
            raise getattr(builtins, name)(text)
        raise CandidateError(f"{name}: {text}")


def _function_proxy(channel, name):
    def candidate(*args, **kwargs):
        return channel.call(name, None, None, args, kwargs)

    candidate.__name__ = candidate.__qualname__ = name
    return candidate


def _class_proxy(channel, name):
    """A stand-in class: each method call builds a fresh remote instance with the same constructor args."""

    class Instance:
        def __init__(self, *args):
            self._init = encode(list(args))  # noqa: F821

        def __getattr__(self, method):
            if method.startswith("__"):
                raise AttributeError(method)
            return lambda *a, **k: channel.call(name, method, self._init, a, k)

    Instance.__name__ = Instance.__qualname__ = name
    return Instance


def _compile(source, filename):
    return compile(source, filename, "exec", optimize=0)  # asserts are kept whatever the interpreter flags


def _run_test(channel, index, action):
    channel.aborted = None
    started = time.perf_counter()
    error = None
    try:
        action()
    except BaseException as exc:  # any way out but a normal return is a failure
        try:
            error = f"{type(exc).__name__}: {exc}"[:1000]
        except BaseException:
            error = type(exc).__name__
    channel.send({"op": "test", "index": index, "passed": error is None, "error": error,
                  "aborted": channel.aborted, "duration_s": time.perf_counter() - started})


def _load(spec):
    """Define the test code; returns (globals, tests as (name, callable-maker)) or raises."""
    namespace = {"__name__": "checker", "__builtins__": builtins}
    if spec["kind"] == "humaneval":
        if spec.get("prompt"):
            exec(_compile(spec["prompt"], "prompt.py"), namespace)
        exec(_compile(spec["test"], "test.py"), namespace)
        if not callable(namespace.get("check")):
            raise ValueError("the humaneval test code defines no check(candidate)")
        return namespace, []
    if spec.get("setup"):
        exec(_compile(spec["setup"], "setup.py"), namespace)
    return namespace, [_compile(src, f"assert_{i}.py") for i, src in enumerate(spec["asserts"])]


def _bind(channel, namespace, asserts, funcs, classes):
    """Point the names the asserts use at the candidate (never over setup names or builtins)."""
    used = {name for code in asserts for name in code.co_names}
    for names, make in ((funcs, _function_proxy), (classes, _class_proxy)):
        for name in names:
            if name in used and name not in namespace and not hasattr(builtins, name):
                namespace[name] = make(channel, name)


def _verify_one(channel, spec):
    """One sample: load its tests in a fresh namespace, wait for the candidate's names, run, report."""
    try:
        namespace, asserts = _load(spec)
    except BaseException as exc:
        channel.send({"op": "fatal", "error": f"test code failed to load: {type(exc).__name__}: {exc}"[:1000]})
        return
    channel.send({"op": "loaded"})
    start = channel.recv()
    if start.get("op") != "start":  # the candidate did not load: nothing to run
        return
    if spec["kind"] == "humaneval":
        proxy = _function_proxy(channel, spec["entry_point"])
        namespace[spec["entry_point"]] = proxy
        _run_test(channel, 0, lambda: namespace["check"](proxy))
    else:
        _bind(channel, namespace, asserts, start["funcs"], start["classes"])
        for index, code in enumerate(asserts):
            _run_test(channel, index, lambda code=code: exec(code, namespace))
    channel.send({"op": "done"})


def main():
    sys.set_int_max_str_digits(0)
    channel = Channel()
    channel.send({"op": "hello"})
    while True:  # the host reuses this process for later samples while it stays in step
        _verify_one(channel, channel.recv()["spec"])


if __name__ == "__main__":
    main()
