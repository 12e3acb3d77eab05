"""Python 2 and standard-library cases, run on this interpreter (3.11)."""

from __future__ import annotations

from tests.assist.case import Case

PYTHON = [
    Case(
        "py-print-statement",
        "print 'hello', 1\nprint  # blank line",
        "print('hello', 1)\nprint()  # blank line",
        error=("SyntaxError", "Missing parentheses in call to 'print'"),
    ),
    Case(
        "py-print-statement",
        "import io\nf = io.StringIO()\nprint >>f, 'x',",
        "import io\nf = io.StringIO()\nprint('x', end=' ', file=f)",
        error=("TypeError", "unsupported operand type(s) for >>"),
        check="f.getvalue() == 'x '",
        name="file",
    ),
    Case(
        "py-except-comma",
        "try:\n    int('x')\nexcept ValueError, e:\n    msg = str(e)",
        "try:\n    int('x')\nexcept ValueError as e:\n    msg = str(e)",
        error=("SyntaxError", "multiple exception types must be parenthesized"),
        check="'x' in msg",
    ),
    Case(
        "py2-builtins",
        "t = sum(xrange(3)) + long(2)",
        "t = sum(range(3)) + int(2)",
        error=("NameError", "name 'xrange' is not defined"),
        check="t == 5",
    ),
    Case(
        "py2-builtins",
        "total = reduce(lambda a, b: a + b, [1, 2, 3])",
        "from functools import reduce\ntotal = reduce(lambda a, b: a + b, [1, 2, 3])",
        error=("NameError", "name 'reduce' is not defined"),
        check="total == 6",
        name="reduce",
    ),
    Case(
        "py2-dict-iteritems",
        "vals = list(d.itervalues())\nhas = d.has_key('a')",
        "vals = list(d.values())\nhas = 'a' in d",
        "d = {'a': 1}\n",
        error=("AttributeError", "'dict' object has no attribute 'itervalues'"),
        check="has and vals == [1]",
    ),
    Case(
        "py2-lazy-iterators",
        "first = map(str, [1, 2])[0]\nkey = d.keys()[0]",
        "first = list(map(str, [1, 2]))[0]\nkey = list(d.keys())[0]",
        "d = {'a': 1}\n",
        error=("TypeError", "'map' object is not subscriptable"),
        check="first == '1' and key == 'a'",
    ),
    Case(
        "py2-integer-division",
        "half = X[:len(X)/2]",
        "half = X[:len(X)//2]",
        "X = list(range(7))\n",
        error=("TypeError", "slice indices must be integers"),
        check="half == [0, 1, 2]",
    ),
    Case(
        "py2-modules",
        "import cPickle\ns = cPickle.dumps(1)",
        "import pickle as cPickle\ns = cPickle.dumps(1)",
        error=("ModuleNotFoundError", "No module named 'cPickle'"),
        check="isinstance(s, bytes)",
    ),
    Case(
        "py2-modules",
        "from StringIO import StringIO\nbuf = StringIO('a')",
        "from io import StringIO\nbuf = StringIO('a')",
        error=("ModuleNotFoundError", "No module named 'StringIO'"),
        check="buf.read() == 'a'",
        name="from",
    ),
    Case(
        "py2-pickle-encoding",
        "obj = pickle.load(io.BytesIO(raw))",
        "obj = pickle.load(io.BytesIO(raw), encoding='latin1')",
        "import io, pickle\nraw = b'\\x80\\x02U\\x03\\xc3\\xa9aq\\x00.'\n",
        error=("UnicodeDecodeError", "'ascii' codec can't decode"),
        check="len(obj) == 3",
    ),
    Case(
        "py-collections-abc",
        "from collections import OrderedDict, Iterable\nok = isinstance([], Iterable)",
        "from collections import OrderedDict\nfrom collections.abc import Iterable\nok = isinstance([], Iterable)",
        error=("ImportError", "cannot import name 'Iterable' from 'collections'"),
        check="ok",
    ),
    Case(
        "py-time-clock",
        "t = time.clock()",
        "t = time.perf_counter()",
        "import time\n",
        error=("AttributeError", "has no attribute 'clock'"),
        check="t > 0",
    ),
    # imp, distutils and imghdr still exist on Python 3.11: only the fixed code is run here.
    Case(
        "py-imp",
        "import imp\nimport json\nimp.reload(json)",
        "import importlib\nimport json\nimportlib.reload(json)",
    ),
    Case(
        "py-distutils",
        "from distutils.version import LooseVersion\nok = LooseVersion('1.10') > LooseVersion('1.9')",
        "from packaging.version import Version\nok = Version('1.10') > Version('1.9')",
    ),
    Case(
        "py-imghdr",
        "import imghdr",
        None,
        syntax_only=True,
        error=("ModuleNotFoundError", "No module named 'imghdr'"),
    ),
    Case(
        "ipython-set-matplotlib-formats",
        "from IPython.display import set_matplotlib_formats\nset_matplotlib_formats('png')",
        "from matplotlib_inline.backend_inline import set_matplotlib_formats\nset_matplotlib_formats('png')",
        "import matplotlib\nmatplotlib.use('Agg')\n",
        error=("ImportError", "cannot import name 'set_matplotlib_formats'"),
    ),
]
