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


async def settled(mocks, at_least: int, timeout: float = 10.0) -> None:
    """Wait until the mocked sends saw at least ``at_least`` calls, and the batch in flight ended.

    ``put()`` in faust's test_context returns once the agent has *read* the value; the agent
    processes it in a batch shortly after, so leaving the context at once could cut that batch off."""
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while sum(m.await_count for m in mocks) < at_least and loop.time() < deadline:
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.1)


@pytest.fixture(scope="session")
def seed_texts() -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}
