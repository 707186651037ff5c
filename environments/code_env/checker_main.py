"""Runs inside the checker's sandbox: the trusted test code, calling the candidate only through the host.

Shipped after codec.py and driver_channel.py as one program; each sample's spec arrives as a message. The candidate lives in another
process; here it is a proxy whose calls become `call` messages that the host relays. Every value that comes
back is decoded from the closed encoding, so comparisons below only ever see built-in data.
"""

import ast
import builtins
import functools
import sys
import time

_MAPPED = ("ArithmeticError", "AssertionError", "AttributeError", "IndexError", "KeyError", "LookupError",
           "NotImplementedError", "OverflowError", "RecursionError", "RuntimeError", "TypeError", "ValueError",
           "ZeroDivisionError", "MemoryError", "UnicodeError", "NameError")
# Exceptions that iteration machinery takes as a signal, not an error: raised out of a candidate call
# inside map(), filter(), zip() or iter(f, sentinel), StopIteration would quietly end the iteration,
# so `assert not any(map(f, xs))` would pass. The candidate raising one aborts the test instead.
_CONTROL_FLOW = ("StopIteration", "StopAsyncIteration", "GeneratorExit")


class CandidateAborted(BaseException):
    """The candidate died, hung or raised SystemExit-like: not catchable by `except Exception`."""


class CandidateError(Exception):
    """The candidate raised an exception of a type the checker does not recreate."""


class TestArgumentError(Exception):
    """The test passed an argument outside the closed encoding."""


class Channel(DriverChannel):  # noqa: F821 (driver_channel.py is prepended)
    """The channel to the host, plus the proxy calls that go through it."""

    def __init__(self):
        super().__init__()
        self.aborted = None  # why the candidate aborted during the current test, if it did
        self.prefetched = {}  # request key -> replies fetched ahead in one batch, consumed in order

    def abort(self, why):
        self.aborted = self.aborted or why
        raise CandidateAborted(why)

    def prefetch(self, calls):
        """Make these calls in one round trip; `call` then serves them from the results, in order."""
        requests = []
        for fn, method, init, args, kwargs in calls:
            try:
                requests.append(_request(fn, method, init, args, kwargs))
            except TestArgumentError:
                continue
        if not requests:
            return
        self.send({"op": "batch", "calls": requests})
        reply = self.recv()
        replies = reply.get("batch")
        if not isinstance(replies, list) or len(replies) != len(requests):
            replies = [{"dead": str(reply.get("dead", "the batch failed"))}] * len(requests)
        for request, answer in zip(requests, replies):
            self.prefetched.setdefault(dumps(request), []).append(answer)  # noqa: F821

    def call(self, fn, method, init, args, kwargs):
        request = _request(fn, method, init, args, kwargs)
        waiting = self.prefetched.get(dumps(request))  # noqa: F821
        if waiting:
            reply = waiting.pop(0)
        else:
            self.send(request)
            reply = self.recv()
        if "ok" in reply:
            try:
                return text_value(reply["ok"])  # noqa: F821
            except (DecodeError, RecursionError) as exc:  # noqa: F821
                self.abort(f"malformed value from the candidate: {exc}")
        if "bad" in reply:
            self.abort(str(reply["bad"]))
        if "dead" in reply:
            self.abort(str(reply["dead"]))
        name, text = str(reply.get("raised")), str(reply.get("msg"))
        if reply.get("base") or name in _CONTROL_FLOW:
            self.abort(f"candidate raised {name}: {text}")
        if name in _MAPPED:
            raise getattr(builtins, name)(text)
        raise CandidateError(f"{name}: {text}")


def _request(fn, method, init, args, kwargs):
    try:
        return {"op": "call", "fn": fn, "method": method, "init": init,
                "args": encode(list(args)), "kwargs": encode(dict(kwargs))}  # noqa: F821
    except EncodeError as exc:  # noqa: F821
        raise TestArgumentError(f"test argument outside the closed encoding: {exc}") from None


# Subtrees whose calls may run zero or several times, or later: never prefetched.
_DEFERRED = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.BoolOp, ast.IfExp,
             ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_SIMPLE = (ast.Assert, ast.Expr, ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Import, ast.ImportFrom, ast.Pass)


def _calls_in(node):
    """Call nodes in evaluation order (arguments first), skipping conditional or deferred code."""
    if isinstance(node, _DEFERRED):
        return
    if isinstance(node, ast.Assert):  # the message is evaluated only when the assert fails
        yield from _calls_in(node.test)
        return
    for child in ast.iter_child_nodes(node):
        yield from _calls_in(child)
    if isinstance(node, ast.Call):
        yield node


def _literal_args(call):
    args = []
    for arg in call.args:
        if isinstance(arg, ast.Starred):
            value = ast.literal_eval(arg.value)
            if not isinstance(value, (list, tuple)):
                raise ValueError("starred non-sequence")
            args.extend(value)
        else:
            args.append(ast.literal_eval(arg))
    kwargs = {}
    for keyword in call.keywords:
        if keyword.arg is None:
            kwargs.update(ast.literal_eval(keyword.value))
        else:
            kwargs[keyword.arg] = ast.literal_eval(keyword.value)
    return args, kwargs


@functools.lru_cache(maxsize=512)
def _static_calls(test_source, entry_point):
    """The candidate calls with literal arguments among the leading simple statements of `check`: they
    run in this order whenever the check gets that far, so they can be made in one batch up front."""
    check = [n for n in ast.parse(test_source).body if isinstance(n, ast.FunctionDef) and n.name == "check"]
    if not check or not check[-1].args.args:
        return []
    names = {check[-1].args.args[0].arg, entry_point}
    calls = []
    for statement in check[-1].body:
        if not isinstance(statement, _SIMPLE):
            break
        for call in _calls_in(statement):
            if isinstance(call.func, ast.Name) and call.func.id in names:
                try:
                    args, kwargs = _literal_args(call)
                except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                    continue
                calls.append((entry_point, None, None, args, kwargs))
    return tuple(calls)


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


@functools.lru_cache(maxsize=512)
def _compile(source, filename):
    """Compiled test code, kept across samples: a problem's rollouts share it (code objects are immutable)."""
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
    used = {name for code in asserts for name in _names_used(code)}
    for names, make in ((funcs, _function_proxy), (classes, _class_proxy)):
        for name in names:
            if name in used and name not in namespace and not hasattr(builtins, name):
                namespace[name] = make(channel, name)


def _names_used(code):
    """Global names a code object reads, its nested lambdas and comprehensions included."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, type(code)):
            names |= _names_used(const)
    return names


def _verify_one(channel, spec):
    """One sample: load its tests in a fresh namespace, wait for the candidate's names, run, report."""
    try:
        namespace, asserts = _load(spec)
    except BaseException as exc:
        channel.send({"op": "fatal", "error": f"test code failed to load: {type(exc).__name__}: {exc}"[:1000]})
        return
    channel.prefetched = {}
    channel.send({"op": "loaded"})
    start = channel.recv()
    if start.get("op") != "start":  # the candidate did not load: nothing to run
        return
    if spec["kind"] == "humaneval":
        proxy = _function_proxy(channel, spec["entry_point"])
        namespace[spec["entry_point"]] = proxy
        calls = _static_calls(spec["test"], spec["entry_point"])

        def check():
            channel.prefetch(calls)
            namespace["check"](proxy)

        _run_test(channel, 0, check)
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
