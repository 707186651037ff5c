"""The built-in offline task set: 20 bug fixes in small pure-Python repositories written for envsdk.

Each task: the repository's files, an instruction (the symptom, as a user would report it), the reference
fix (exact replacements; its unified diff is the reference patch), the hidden checks (Python expressions
evaluated in the final workspace, each with the value the fixed code gives: the first ones fail before the
fix, the others guard behaviour that already works) and the import that makes the names available.
"""

from __future__ import annotations

from typing import Any

RAISES = "raises:"  # an expected value "raises:ValueError" means the expression must raise ValueError

TASKS: list[dict[str, Any]] = [
    {
        "id": "slugify-spaces",
        "instruction": "`textkit.slugify` leaves runs of spaces as several dashes ('a  b' gives 'a--b'). Runs of "
                       "whitespace must become one dash.",
        "files": {"textkit/__init__.py": "from .slug import slugify\n",
                  "textkit/slug.py": "import re\n\n\ndef slugify(text):\n    \"\"\"Lower-case words joined by single dashes.\"\"\"\n"
                                     "    text = re.sub(r'[^a-zA-Z0-9\\s-]', '', text).strip().lower()\n"
                                     "    return re.sub(r'\\s', '-', text)\n"},
        "fix": [("textkit/slug.py", "re.sub(r'\\s', '-', text)", "re.sub(r'\\s+', '-', text)")],
        "setup": "from textkit import slugify",
        "checks": [("slugify('a  b')", "a-b"), ("slugify('Hello   World!')", "hello-world"),
                   ("slugify('one')", "one"), ("slugify(' Trim me ')", "trim-me")],
    },
    {
        "id": "mean-empty",
        "instruction": "`stats.mean([])` crashes with ZeroDivisionError; it must raise ValueError('empty') instead.",
        "files": {"stats.py": "def mean(xs):\n    xs = list(xs)\n    return sum(xs) / len(xs)\n"},
        "fix": [("stats.py", "    xs = list(xs)\n", "    xs = list(xs)\n    if not xs:\n        raise ValueError('empty')\n")],
        "setup": "from stats import mean",
        "checks": [("mean([])", RAISES + "ValueError"), ("mean([1, 2, 3])", 2.0), ("mean(iter([4]))", 4.0)],
    },
    {
        "id": "median-even",
        "instruction": "`stats.median` is wrong for lists of even length: median([1, 2, 3, 4]) should be 2.5.",
        "files": {"stats.py": "def median(xs):\n    xs = sorted(xs)\n    return xs[len(xs) // 2]\n"},
        "fix": [("stats.py", "    return xs[len(xs) // 2]\n",
                 "    mid = len(xs) // 2\n    if len(xs) % 2:\n        return xs[mid]\n    return (xs[mid - 1] + xs[mid]) / 2\n")],
        "setup": "from stats import median",
        "checks": [("median([1, 2, 3, 4])", 2.5), ("median([4, 1, 3, 2, 10, 0])", 2.5), ("median([3, 1, 2])", 2),
                   ("median([7])", 7)],
    },
    {
        "id": "chunks-remainder",
        "instruction": "`iterkit.chunks(xs, n)` drops the last, shorter chunk: chunks([1,2,3,4,5], 2) must give "
                       "[[1,2],[3,4],[5]].",
        "files": {"iterkit.py": "def chunks(xs, n):\n    xs = list(xs)\n    return [xs[i:i + n] for i in range(0, len(xs) - n + 1, n)]\n"},
        "fix": [("iterkit.py", "range(0, len(xs) - n + 1, n)", "range(0, len(xs), n)")],
        "setup": "from iterkit import chunks",
        "checks": [("chunks([1, 2, 3, 4, 5], 2)", [[1, 2], [3, 4], [5]]), ("chunks('abcdefg', 3)", [["a", "b", "c"], ["d", "e", "f"], ["g"]]),
                   ("chunks([1, 2, 3, 4], 2)", [[1, 2], [3, 4]]), ("chunks([], 3)", [])],
    },
    {
        "id": "flatten-depth",
        "instruction": "`iterkit.flatten` only flattens one level; it must flatten nested lists of any depth "
                       "(strings stay whole).",
        "files": {"iterkit.py": "def flatten(items):\n    out = []\n    for item in items:\n        if isinstance(item, list):\n"
                                "            out.extend(item)\n        else:\n            out.append(item)\n    return out\n"},
        "fix": [("iterkit.py", "            out.extend(item)\n", "            out.extend(flatten(item))\n")],
        "setup": "from iterkit import flatten",
        "checks": [("flatten([1, [2, [3, [4]]]])", [1, 2, 3, 4]), ("flatten([[['ab']], 'cd'])", ["ab", "cd"]),
                   ("flatten([1, [2, 3]])", [1, 2, 3]), ("flatten([])", [])],
    },
    {
        "id": "roman-subtractive",
        "instruction": "`roman.to_roman(4)` gives 'IIII' and 9 gives 'VIIII'; use subtractive notation (IV, IX, XL, "
                       "XC, CD, CM).",
        "files": {"roman.py": "NUMERALS = [(1000, 'M'), (500, 'D'), (100, 'C'), (50, 'L'), (10, 'X'), (5, 'V'), (1, 'I')]\n\n\n"
                              "def to_roman(n):\n    out = ''\n    for value, letters in NUMERALS:\n        while n >= value:\n"
                              "            out += letters\n            n -= value\n    return out\n"},
        "fix": [("roman.py", "NUMERALS = [(1000, 'M'), (500, 'D'), (100, 'C'), (50, 'L'), (10, 'X'), (5, 'V'), (1, 'I')]",
                 "NUMERALS = [(1000, 'M'), (900, 'CM'), (500, 'D'), (400, 'CD'), (100, 'C'), (90, 'XC'), (50, 'L'),\n"
                 "            (40, 'XL'), (10, 'X'), (9, 'IX'), (5, 'V'), (4, 'IV'), (1, 'I')]")],
        "setup": "from roman import to_roman",
        "checks": [("to_roman(4)", "IV"), ("to_roman(1994)", "MCMXCIV"), ("to_roman(49)", "XLIX"), ("to_roman(3)", "III"),
                   ("to_roman(2020)", "MMXX")],
    },
    {
        "id": "leap-century",
        "instruction": "`dates.is_leap(1900)` returns True; century years are leap years only when divisible by 400.",
        "files": {"dates.py": "def is_leap(year):\n    return year % 4 == 0\n"},
        "fix": [("dates.py", "    return year % 4 == 0\n", "    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)\n")],
        "setup": "from dates import is_leap",
        "checks": [("is_leap(1900)", False), ("is_leap(2100)", False), ("is_leap(2000)", True), ("is_leap(2024)", True),
                   ("is_leap(2023)", False)],
    },
    {
        "id": "clamp-order",
        "instruction": "`numkit.clamp(x, lo, hi)` returns lo for values above hi; it must return hi there.",
        "files": {"numkit.py": "def clamp(x, lo, hi):\n    if x < lo:\n        return lo\n    if x > hi:\n        return lo\n    return x\n"},
        "fix": [("numkit.py", "    if x > hi:\n        return lo\n", "    if x > hi:\n        return hi\n")],
        "setup": "from numkit import clamp",
        "checks": [("clamp(15, 0, 10)", 10), ("clamp(10.5, 0, 10)", 10), ("clamp(-1, 0, 10)", 0), ("clamp(5, 0, 10)", 5)],
    },
    {
        "id": "wordcount-case",
        "instruction": "`textkit.word_counts` counts 'The' and 'the' as different words and keeps punctuation "
                       "('end.' vs 'end'). Count case-insensitively and ignore punctuation around words.",
        "files": {"textkit.py": "from collections import Counter\n\n\ndef word_counts(text):\n    return dict(Counter(text.split()))\n"},
        "fix": [("textkit.py", "    return dict(Counter(text.split()))\n",
                 "    words = (w.strip('.,;:!?\"\\'()').lower() for w in text.split())\n    return dict(Counter(w for w in words if w))\n")],
        "setup": "from textkit import word_counts",
        "checks": [("word_counts('The cat and the hat.')", {"the": 2, "cat": 1, "and": 1, "hat": 1}),
                   ("word_counts('End. end, END!')", {"end": 3}), ("word_counts('')", {}), ("word_counts('a b a')", {"a": 2, "b": 1})],
    },
    {
        "id": "parse-duration",
        "instruction": "`timeparse.seconds('1h30m')` gives 1830 instead of 5400: hours are multiplied by 60 only.",
        "files": {"timeparse.py": "import re\n\nUNITS = {'h': 60, 'm': 60, 's': 1}\n\n\ndef seconds(text):\n"
                                  "    total = 0\n    for number, unit in re.findall(r'(\\d+)([hms])', text):\n"
                                  "        total += int(number) * UNITS[unit]\n    return total\n"},
        "fix": [("timeparse.py", "UNITS = {'h': 60, 'm': 60, 's': 1}", "UNITS = {'h': 3600, 'm': 60, 's': 1}")],
        "setup": "from timeparse import seconds",
        "checks": [("seconds('1h30m')", 5400), ("seconds('2h')", 7200), ("seconds('5m10s')", 310), ("seconds('45s')", 45)],
    },
    {
        "id": "stack-pop-empty",
        "instruction": "`structs.Stack().pop()` on an empty stack raises IndexError from a list; it must raise "
                       "the package's own `EmptyError`.",
        "files": {"structs.py": "class EmptyError(Exception):\n    pass\n\n\nclass Stack:\n    def __init__(self):\n"
                                "        self.items = []\n\n    def push(self, x):\n        self.items.append(x)\n\n"
                                "    def pop(self):\n        return self.items.pop()\n"},
        "fix": [("structs.py", "    def pop(self):\n        return self.items.pop()\n",
                 "    def pop(self):\n        if not self.items:\n            raise EmptyError('pop from an empty stack')\n        return self.items.pop()\n")],
        "setup": "from structs import Stack, EmptyError\ndef pushed(*xs):\n    s = Stack()\n    for x in xs:\n        s.push(x)\n    return s",
        "checks": [("Stack().pop()", RAISES + "EmptyError"), ("pushed(1, 2).pop()", 2), ("[pushed(1, 2).pop() for _ in range(1)]", [2])],
    },
    {
        "id": "lru-order",
        "instruction": "`cache.LRU` evicts the oldest inserted key even when it was just read; a `get` must make a "
                       "key the most recently used.",
        "files": {"cache.py": "from collections import OrderedDict\n\n\nclass LRU:\n    def __init__(self, size):\n"
                              "        self.size = size\n        self.data = OrderedDict()\n\n    def get(self, key, default=None):\n"
                              "        return self.data.get(key, default)\n\n    def put(self, key, value):\n"
                              "        self.data[key] = value\n        self.data.move_to_end(key)\n        while len(self.data) > self.size:\n"
                              "            self.data.popitem(last=False)\n"},
        "fix": [("cache.py", "    def get(self, key, default=None):\n        return self.data.get(key, default)\n",
                 "    def get(self, key, default=None):\n        if key not in self.data:\n            return default\n"
                 "        self.data.move_to_end(key)\n        return self.data[key]\n")],
        "setup": "from cache import LRU\ndef scenario():\n    c = LRU(2)\n    c.put('a', 1)\n    c.put('b', 2)\n    c.get('a')\n"
                 "    c.put('c', 3)\n    return sorted(c.data)\ndef simple():\n    c = LRU(1)\n    c.put('x', 1)\n    c.put('y', 2)\n    return list(c.data)",
        "checks": [("scenario()", ["a", "c"]), ("simple()", ["y"]), ("LRU(2).get('missing', 7)", 7)],
    },
    {
        "id": "csv-quoted",
        "instruction": "`tables.parse_row` splits quoted fields on commas inside quotes: 'a,\"b,c\"' must give "
                       "['a', 'b,c'].",
        "files": {"tables.py": "def parse_row(line):\n    return line.split(',')\n"},
        "fix": [("tables.py", "def parse_row(line):\n    return line.split(',')\n",
                 "import csv\n\n\ndef parse_row(line):\n    return next(csv.reader([line]))\n")],
        "setup": "from tables import parse_row",
        "checks": [("parse_row('a,\"b,c\"')", ["a", "b,c"]), ("parse_row('\"x\",\"y,z\",w')", ["x", "y,z", "w"]),
                   ("parse_row('1,2,3')", ["1", "2", "3"])],
    },
    {
        "id": "version-compare",
        "instruction": "`versions.newer('1.10.0', '1.9.0')` says False because versions are compared as strings; "
                       "compare them numerically, part by part.",
        "files": {"versions.py": "def newer(a, b):\n    \"\"\"True when version a is newer than version b.\"\"\"\n    return a > b\n"},
        "fix": [("versions.py", "    return a > b\n", "    return tuple(map(int, a.split('.'))) > tuple(map(int, b.split('.')))\n")],
        "setup": "from versions import newer",
        "checks": [("newer('1.10.0', '1.9.0')", True), ("newer('2.0', '10.0')", False), ("newer('1.2.3', '1.2.3')", False),
                   ("newer('1.3', '1.2')", True)],
    },
    {
        "id": "dedupe-order",
        "instruction": "`iterkit.dedupe` loses the original order (it goes through a set); keep the first occurrence "
                       "of each item, in order.",
        "files": {"iterkit.py": "def dedupe(items):\n    return list(set(items))\n"},
        "fix": [("iterkit.py", "    return list(set(items))\n", "    return list(dict.fromkeys(items))\n")],
        "setup": "from iterkit import dedupe",
        "checks": [("dedupe([3, 1, 3, 2, 1])", [3, 1, 2]), ("dedupe('banana')", ["b", "a", "n"]), ("dedupe([])", [])],
    },
    {
        "id": "config-bool",
        "instruction": "`config.parse_bool('false')` returns True (any non-empty string is true). Accept "
                       "true/false, yes/no, on/off, 1/0 in any case, and raise ValueError for anything else.",
        "files": {"config.py": "def parse_bool(text):\n    return bool(text)\n"},
        "fix": [("config.py", "def parse_bool(text):\n    return bool(text)\n",
                 "TRUE, FALSE = {'true', 'yes', 'on', '1'}, {'false', 'no', 'off', '0'}\n\n\ndef parse_bool(text):\n"
                 "    word = text.strip().lower()\n    if word in TRUE:\n        return True\n    if word in FALSE:\n        return False\n"
                 "    raise ValueError(f'not a boolean: {text!r}')\n")],
        "setup": "from config import parse_bool",
        "checks": [("parse_bool('false')", False), ("parse_bool('OFF')", False), ("parse_bool('maybe')", RAISES + "ValueError"),
                   ("parse_bool('Yes')", True), ("parse_bool('1')", True)],
    },
    {
        "id": "binary-search-last",
        "instruction": "`search.index_of` never finds the last element of the list: index_of([1, 3, 5], 5) gives -1.",
        "files": {"search.py": "def index_of(xs, target):\n    lo, hi = 0, len(xs) - 1\n    while lo < hi:\n"
                               "        mid = (lo + hi) // 2\n        if xs[mid] == target:\n            return mid\n"
                               "        if xs[mid] < target:\n            lo = mid + 1\n        else:\n            hi = mid - 1\n    return -1\n"},
        "fix": [("search.py", "    while lo < hi:\n", "    while lo <= hi:\n")],
        "setup": "from search import index_of",
        "checks": [("index_of([1, 3, 5], 5)", 2), ("index_of([2], 2)", 0), ("index_of([1, 3, 5, 7], 3)", 1),
                   ("index_of([1, 3, 5], 4)", -1), ("index_of([], 1)", -1)],
    },
    {
        "id": "money-rounding",
        "instruction": "`money.split(total, n)` loses cents: split(100, 3) gives [33.33, 33.33, 33.33]. The parts "
                       "must add up to the total exactly (the first parts get the extra cents).",
        "files": {"money.py": "def split(total, n):\n    share = round(total / n, 2)\n    return [share] * n\n"},
        "fix": [("money.py", "    share = round(total / n, 2)\n    return [share] * n\n",
                 "    cents = round(total * 100)\n    base, extra = divmod(cents, n)\n"
                 "    return [(base + (1 if i < extra else 0)) / 100 for i in range(n)]\n")],
        "setup": "from money import split",
        "checks": [("split(100, 3)", [33.34, 33.33, 33.33]), ("round(sum(split(10, 7)), 2)", 10.0), ("split(9, 3)", [3.0, 3.0, 3.0])],
    },
    {
        "id": "template-missing",
        "instruction": "`templ.render('Hi {name}', {})` raises KeyError; unknown placeholders must be left as they are.",
        "files": {"templ.py": "def render(template, values):\n    return template.format(**values)\n"},
        "fix": [("templ.py", "def render(template, values):\n    return template.format(**values)\n",
                 "class _Keep(dict):\n    def __missing__(self, key):\n        return '{' + key + '}'\n\n\n"
                 "def render(template, values):\n    return template.format_map(_Keep(values))\n")],
        "setup": "from templ import render",
        "checks": [("render('Hi {name}', {})", "Hi {name}"), ("render('{a}-{b}', {'a': 1})", "1-{b}"),
                   ("render('{x}', {'x': 'y'})", "y")],
    },
    {
        "id": "matrix-transpose",
        "instruction": "`matrix.transpose` fails on non-square matrices (IndexError for a 2x3 matrix); it must work "
                       "for any rectangular matrix.",
        "files": {"matrix.py": "def transpose(m):\n    n = len(m)\n    return [[m[j][i] for j in range(n)] for i in range(n)]\n"},
        "fix": [("matrix.py", "    n = len(m)\n    return [[m[j][i] for j in range(n)] for i in range(n)]\n",
                 "    return [list(row) for row in zip(*m)]\n")],
        "setup": "from matrix import transpose",
        "checks": [("transpose([[1, 2, 3], [4, 5, 6]])", [[1, 4], [2, 5], [3, 6]]), ("transpose([[1], [2]])", [[1, 2]]),
                   ("transpose([[1, 2], [3, 4]])", [[1, 3], [2, 4]])],
    },
]
