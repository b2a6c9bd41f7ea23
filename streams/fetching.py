"""Make an aiokafka consumer wait for data the way ``fetch.max.wait.ms`` promises.

Kafka holds a fetch on the broker until data arrives or the wait runs out, so an
idle consumer sends a few fetches a second. The embedded broker (noida-db)
answers an empty fetch at once: aiokafka's fetch loop then spins, about 5,000
fetches a second on an idle topic, which costs a core between the client and
the broker and, under load, slows every consumer on the machine.

``hold_empty_fetches`` holds an empty answer on the client side for the rest of
the wait instead. On a broker that honours the wait the answer comes after the
wait anyway, so nothing changes there.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any


def hold_empty_fetches(consumer: Any) -> None:
    """Patch a *started* ``AIOKafkaConsumer`` (its fetcher exists only after ``start()``)."""
    fetcher = consumer._fetcher
    fetch = fetcher._proc_fetch_request  # the fetch loop looks it up on the instance for every request
    wait = fetcher._fetch_max_wait_ms / 1000.0

    async def held(assignment: Any, node_id: int, request: Any) -> bool:
        started = time.monotonic()
        has_new_data = await fetch(assignment, node_id, request)
        if not has_new_data:
            remaining = wait - (time.monotonic() - started)
            if remaining > 0:
                try:
                    await asyncio.sleep(remaining)
                except asyncio.CancelledError:
                    # the fetcher cancels its requests on close or unassignment and awaits them;
                    # like aiokafka's own fetch, answer "no new data" instead of raising
                    return False
        return has_new_data

    fetcher._proc_fetch_request = held
