"""The one thing pyproject.toml cannot say without an experimental table: the C extension.

streams._scan is the native single pass of streams.tag (fold, Aho–Corasick, sentence starts). It is optional:
where no C compiler is found the install goes on, and streams.tag runs its pure-Python pass (pyahocorasick),
which gives the same tags more slowly; `newswire worker` logs which one it runs.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("streams._scan", ["streams/_scan.c"], optional=True)])
