"""Runs inside the candidate's sandbox: receive the candidate's module, load it, answer call requests.

Shipped after codec.py and driver_channel.py as one program; the channel is taken before the candidate's
code runs. The candidate can still find the channel's descriptors and write to them on purpose, but all it
can say there is a value it could have returned anyway: the verdict is decided by the checker and the host.
"""

import builtins
import sys
import time
import types


def _describe(exc):
    try:
        text = str(exc)
    except BaseException:  # a hostile __str__
        text = "<unprintable>"
    return {"raised": type(exc).__name__, "msg": text[:500], "base": not isinstance(exc, Exception)}


def _load(source):
    """Execute the candidate's module; returns (namespace, None) or (None, error)."""
    namespace = {"__name__": "solution", "__builtins__": builtins}
    try:
        exec(compile(source, "solution.py", "exec", optimize=0), namespace)
    except BaseException as exc:  # SystemExit, KeyboardInterrupt included: the import failed
        return None, _describe(exc)
    finally:  # drop the candidate's tracing hooks inline (a helper call would itself be traced)
        sys.settrace(None)
        sys.setprofile(None)
    return namespace, None


def _exposed(namespace):
    """Top-level functions and classes the checker may call by name."""
    funcs, classes = [], []
    for name, value in list(namespace.items()):
        if type(name) is not str or name.startswith("__"):
            continue
        if isinstance(value, type):
            classes.append(name)
        elif callable(value) and not isinstance(value, types.ModuleType):
            funcs.append(name)
    return funcs, classes


def _call(namespace, request):
    target = namespace[request["fn"]]
    if request.get("init") is not None:
        target = getattr(target(*decode(request["init"])), request["method"])  # noqa: F821
    args, kwargs = decode(request["args"]), decode(request["kwargs"])  # noqa: F821
    return target(*args, **kwargs)


def main():
    sys.set_int_max_str_digits(0)
    channel = DriverChannel()  # noqa: F821
    channel.send({"op": "hello"})
    # the process may have been started before its sample was chosen: the program comes now
    namespace, error = _load(channel.recv()["code"])
    if namespace is None:
        channel.send({"op": "ready", "ok": False, "error": error})
        return
    funcs, classes = _exposed(namespace)
    channel.send({"op": "ready", "ok": True, "funcs": funcs, "classes": classes})
    while True:
        request = channel.recv()
        if "batch" in request:
            channel.send({"id": request["id"], "batch": [_answer(namespace, call) for call in request["batch"]]})
        else:
            channel.send({"id": request["id"], **_answer(namespace, request)})


def _answer(namespace, request):
    """Make one call; its result in the closed encoding, or how it failed."""
    reply = {}
    started = time.perf_counter()
    try:
        result = _call(namespace, request)
    except BaseException as exc:  # the call's own failure, SystemExit included
        reply.update(_describe(exc))
    else:
        sys.settrace(None)
        sys.setprofile(None)
        try:
            reply["ok"] = value_text(result)  # noqa: F821
        except (EncodeError, RecursionError) as exc:  # noqa: F821
            reply["bad"] = str(exc)
    reply["t"] = time.perf_counter() - started
    return reply


if __name__ == "__main__":
    main()
