"""The one thing pyproject.toml cannot say without an experimental table: the C extension.

streams._scan is the native single pass of streams.tag (fold, Aho–Corasick, sentence starts), and
streams._classify the native scorer of streams.classify. Both are optional: where no C compiler is found the
install goes on, and streams.tag runs the pure-Python code, which gives the same tags more slowly;
`newswire worker` logs which one it runs.
"""

from setuptools import Extension, setup

setup(ext_modules=[
    Extension("streams._scan", ["streams/_scan.c"], optional=True),
    Extension("streams._classify", ["streams/_classify.c"], optional=True),
])
