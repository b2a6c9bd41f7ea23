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


def tags_of(body: str):
    """What ``tag`` finds in a bare text, normalised as the pipeline would."""
    from streams.normalise import normalise
    from streams.records import RawArticle
    from streams.tag import tag

    return tag(normalise(RawArticle("t", body)))


def categories_of(body: str) -> list[str]:
    """The categories ``tag`` finds in a bare text, sorted: what the rule tests assert on (their sentences
    are under the classifier's 250 characters, so the rules alone decide)."""
    return sorted(c.category for c in tags_of(body).categories)


class RecordingOutbox:
    """Stands in for ``streams.outbox.Outbox`` in agent tests: keeps what the agent sends.

    ``sent[topic]`` lists ``(key, value)`` in send order; ``inputs`` counts the events whose
    batch has been flushed, so a test can wait for the agent to finish its batch."""

    def __init__(self) -> None:
        self.sent: dict[str, list[tuple[bytes | None, bytes]]] = {}
        self._pending: list[tuple[str, bytes | None, bytes]] = []
        self.flushes = 0

    def add(self, topic: str, key: bytes | None, value: bytes, headers=(), tag=None) -> None:
        self._pending.append((topic, key, value))

    async def flush(self) -> None:
        pending, self._pending = self._pending, []
        for topic, key, value in pending:
            self.sent.setdefault(topic, []).append((key, value))
        self.flushes += 1

    def values(self, topic: str) -> list[tuple[bytes | None, dict]]:
        import orjson

        return [(key, orjson.loads(value)) for key, value in self.sent.get(topic, [])]

    def inputs_done(self) -> int:
        """Input events the pipeline agent has finished: each one leaves exactly one normalised
        article or one dead letter from the normalise stage."""
        letters = [v for _, v in self.values("articles.dead-letter") if v["stage"] == "normalise"]
        return len(self.sent.get("articles.normalised", [])) + len(letters)


def pipeline_agent(tmp_path: Path, outbox: RecordingOutbox):
    """The app's pipeline agent, with no broker, sending into ``outbox``."""
    from streams.app import create_app
    from streams.settings import Settings

    async def factory(app):
        return outbox

    app = create_app(Settings.from_env({}, broker="127.0.0.1:1", data_dir=tmp_path), outbox=factory)
    app.finalize()
    app.conf.store = "memory://"
    app.flow_control.resume()
    return next(a for a in app.agents.values() if a.name.endswith("pipeline"))


async def drive(agent, values, outbox: RecordingOutbox, timeout: float = 10.0) -> None:
    """Put ``(key, value)`` pairs through the pipeline agent under its ``test_context`` and wait until
    it has flushed the batches that finish all of them.

    ``put()`` returns once the agent has *read* the value; the agent processes it in a batch
    shortly after, so leaving the context at once could cut that batch off."""
    import asyncio

    async with agent.test_context() as context:
        for key, value in values:
            await context.put(value, key=key)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while outbox.inputs_done() < len(values) and loop.time() < deadline:
            await asyncio.sleep(0.01)
        assert outbox.inputs_done() == len(values), f"agent finished {outbox.inputs_done()} of {len(values)} inputs"


@pytest.fixture(scope="session")
def seed_texts() -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}
