"""Shared test helpers. Unit tests (tests/unit) need no broker; integration
tests (tests/integration) start real brokers and fail loudly if they cannot."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"

#: What the four seed articles must be routed to (the pipeline issue's acceptance table).
EXPECTED_SEED_FEEDS = {
    "000_a637099d9b3b2544": ["strikes", "evacuations"],
    "001_91e1d3e906af2b88": ["strikes", "diplomacy"],
    "002_2304eeb1ea2139d4": ["strikes", "evacuations", "diplomacy"],
    "003_ef4bcab6f89b65ad": ["strikes", "diplomacy"],
}


async def acknowledged(**kwargs):
    """Stands in for faust's ``topic.send`` in agent tests: returns an already-acknowledged future."""
    import asyncio

    future = asyncio.get_running_loop().create_future()
    future.set_result(None)
    return future


@pytest.fixture(scope="session")
def seed_texts() -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}
