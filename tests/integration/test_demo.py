"""The README's first command: `newswire demo` on the embedded broker."""

import re
import subprocess
import sys

import pytest

pytestmark = pytest.mark.integration


def test_demo_prints_the_seeds_routed():
    result = subprocess.run([sys.executable, "-m", "streams", "demo"], capture_output=True, text=True, timeout=180)
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "feeds.strikes — 4 article(s)" in out
    assert "feeds.evacuations — 2 article(s)" in out
    assert "feeds.diplomacy — 3 article(s)" in out
    assert "feeds.unrouted — 0 article(s)" in out
    assert re.search(r"routed: strikes 4, evacuations 2, diplomacy 3, unrouted 0; dead letters: 0", out)
    assert "/metrics" in out
    assert "“" in out  # evidence sentences are shown
