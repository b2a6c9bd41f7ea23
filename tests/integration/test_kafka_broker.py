"""Integration tests for streams.kafka_broker: a real Apache Kafka 4.x (KRaft).

The first run downloads the Kafka jars through Maven (tens of seconds); later
runs reuse ``$NEWSWIRE_CACHE_DIR`` / ``~/.cache/newswire``.  Nothing here is
skipped: if Java, Maven or the broker is unavailable the tests fail.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
import uuid

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError

from streams import kafka_broker
from streams.kafka_broker import KAFKA_VERSION, ApacheKafka, KafkaStartError

pytestmark = [pytest.mark.integration, pytest.mark.kafka]

# A password StorageTool's "password=..." form could not carry (commas,
# brackets, quotes, '='): the launcher passes pre-salted credentials instead.
SCRAM_USERS = {"alice": "alice-secret", "svc.newswire": 'p,a]s=s"w[o\'rd'}


def _timed(label: str, fn, *args, **kwargs):
    t0 = time.monotonic()
    result = fn(*args, **kwargs)
    print(f"\n[kafka_broker] {label}: {time.monotonic() - t0:.2f}s")
    return result


@pytest.fixture(scope="module")
def libs():
    return _timed("install()", kafka_broker.install, quiet=True)


@pytest.fixture(scope="module")
def kafka(libs):
    broker = ApacheKafka(sasl_scram_users=SCRAM_USERS)
    _timed("start() (format + ready)", broker.start, timeout=90)
    try:
        yield broker
    finally:
        data_dir = broker.data_dir
        _timed("stop()", broker.stop)
        assert not data_dir.exists(), "temporary data dir must be removed by stop()"


def _topic() -> str:
    return f"t-{uuid.uuid4().hex[:10]}"


async def _create_topic(bootstrap: str, name: str, partitions: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        resp = await admin.create_topics(
            [NewTopic(name=name, num_partitions=partitions, replication_factor=1)]
        )
        for topic_error in resp.topic_errors:
            assert topic_error[1] == 0, f"create_topics failed: {topic_error}"
        # KRaft answers CreateTopics before every listener's metadata cache has the topic: a describe
        # straight after may say UNKNOWN_TOPIC_OR_PARTITION (3) for a moment. Wait for it, up to 10 s.
        deadline = time.monotonic() + 10
        while True:
            (described,) = await admin.describe_topics([name])
            if described["error_code"] != 3 or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.05)
        assert described["error_code"] == 0, described
        assert len(described["partitions"]) == partitions
    finally:
        await admin.close()


async def _produce(bootstrap: str, topic: str, messages: list[tuple[int, bytes]], **kw) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, enable_idempotence=True, acks="all", **kw
    )
    await producer.start()
    try:
        for partition, value in messages:
            meta = await producer.send_and_wait(topic, value, key=value, partition=partition)
            assert meta.partition == partition
    finally:
        await producer.stop()


async def _consume_all(bootstrap: str, topic: str, expected: int, **kw) -> list[tuple[int, bytes]]:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"g-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        **kw,
    )
    await consumer.start()
    got: list[tuple[int, bytes]] = []
    try:
        deadline = time.monotonic() + 30
        while len(got) < expected and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=500)
            for tp, records in batches.items():
                got += [(tp.partition, r.value) for r in records]
        await consumer.commit()
    finally:
        await consumer.stop()
    return sorted(got)


def test_install_is_idempotent(libs):
    assert libs.is_dir()
    assert (libs / f"kafka_2.13-{KAFKA_VERSION}.jar").is_file()
    assert any(p.name.startswith("log4j-slf4j-impl-") for p in libs.iterdir())
    assert kafka_broker.is_installed()
    t0 = time.monotonic()
    assert kafka_broker.install() == libs
    assert time.monotonic() - t0 < 1.0  # marker present: no Maven run


def test_broker_metadata(kafka):
    assert kafka.running and kafka.pid
    assert kafka.bootstrap == f"127.0.0.1:{kafka.port}"
    meta = kafka_broker.probe(kafka.port)
    assert meta.brokers == [(1, "127.0.0.1", kafka.port)]
    assert meta.cluster_id == kafka.cluster_id
    assert meta.controller_id == 1
    config = (kafka.data_dir / "server.properties").read_text()
    assert "process.roles=broker,controller" in config
    assert f"controller.quorum.bootstrap.servers=127.0.0.1:{kafka.controller_port}" in config
    assert "auto.create.topics.enable" not in config  # left at Kafka's default (true)


def test_topic_produce_consume(kafka):
    async def scenario():
        topic = _topic()
        await _create_topic(kafka.bootstrap, topic, partitions=4)
        messages = [(p, f"m{p}-{i}".encode()) for p in range(4) for i in range(3)]
        await _produce(kafka.bootstrap, topic, messages)
        assert await _consume_all(kafka.bootstrap, topic, len(messages)) == sorted(messages)

    asyncio.run(scenario())


def test_auto_create_topic(kafka):
    async def scenario():
        topic = _topic()  # not created: auto.create.topics.enable defaults to true
        await _produce(kafka.bootstrap, topic, [(0, b"auto")])
        assert await _consume_all(kafka.bootstrap, topic, 1) == [(0, b"auto")]

    asyncio.run(scenario())


@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-256", "SCRAM-SHA-512"])
@pytest.mark.parametrize("user", sorted(SCRAM_USERS))
def test_sasl_scram(kafka, mechanism, user):
    assert kafka.sasl_bootstrap == f"127.0.0.1:{kafka.sasl_port}"
    sasl = {
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": mechanism,
        "sasl_plain_username": user,
        "sasl_plain_password": SCRAM_USERS[user],
    }

    async def scenario():
        topic = _topic()
        await _create_topic(kafka.bootstrap, topic, partitions=1)
        await _produce(kafka.sasl_bootstrap, topic, [(0, b"over-sasl")], **sasl)
        assert await _consume_all(kafka.sasl_bootstrap, topic, 1, **sasl) == [(0, b"over-sasl")]

    asyncio.run(scenario())


@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-256", "SCRAM-SHA-512"])
@pytest.mark.parametrize(
    "user,password", [("alice", "wrong-password"), ("mallory", "alice-secret")]
)
def test_sasl_scram_rejects_bad_credentials(kafka, caplog, mechanism, user, password):
    async def scenario():
        producer = AIOKafkaProducer(
            bootstrap_servers=kafka.sasl_bootstrap,
            security_protocol="SASL_PLAINTEXT",
            sasl_mechanism=mechanism,
            sasl_plain_username=user,
            sasl_plain_password=password,
            request_timeout_ms=5000,
        )
        try:
            with pytest.raises(KafkaConnectionError):
                await producer.start()
        finally:
            await producer.stop()

    with caplog.at_level(logging.ERROR, logger="aiokafka"):
        asyncio.run(scenario())
    # aiokafka raises a generic bootstrap error and logs the broker's reason.
    assert "SaslAuthenticationFailed" in caplog.text, caplog.text
    assert f"invalid credentials with SASL mechanism {mechanism}" in caplog.text


def test_restart_keeps_data(libs, tmp_path):
    data_dir = tmp_path / "kafka-data"
    broker = ApacheKafka(data_dir=data_dir)
    _timed("start() on an explicit data_dir", broker.start)
    try:
        topic = _topic()
        bootstrap = broker.bootstrap
        first_pid = broker.pid

        async def before():
            await _create_topic(bootstrap, topic, partitions=4)
            await _produce(bootstrap, topic, [(p, f"before-{p}".encode()) for p in range(4)])

        asyncio.run(before())

        _timed("restart()", broker.restart)
        assert broker.running and broker.pid != first_pid
        assert broker.bootstrap == bootstrap  # same port after restart

        async def after():
            await _produce(bootstrap, topic, [(0, b"after-0")])
            got = await _consume_all(bootstrap, topic, 5)
            assert got == sorted([(p, f"before-{p}".encode()) for p in range(4)] + [(0, b"after-0")])
            admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
            await admin.start()
            try:
                (described,) = await admin.describe_topics([topic])
                assert len(described["partitions"]) == 4
            finally:
                await admin.close()

        asyncio.run(after())

        # A crash (SIGKILL) and a start on the same data dir also keep the data.
        broker.kill()
        assert not broker.running
        _timed("start() after kill()", broker.start)

        async def after_crash():
            consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, auto_offset_reset="earliest")
            await consumer.start()
            try:
                tps = [TopicPartition(topic, p) for p in range(4)]
                ends = await consumer.end_offsets(tps)
                assert [ends[tp] for tp in tps] == [2, 1, 1, 1]
            finally:
                await consumer.stop()

        asyncio.run(after_crash())
    finally:
        _timed("stop() (explicit data_dir)", broker.stop)
    assert broker.pid is None
    assert (data_dir / "kraft-logs" / "meta.properties").is_file()  # caller's dir is kept
    assert "Kafka Server started" in (data_dir / "broker.log").read_text()

    # A new ApacheKafka on the same data dir finds the same port, cluster and data.
    again = ApacheKafka(data_dir=data_dir)
    _timed("start() of a new instance on the old data_dir", again.start)
    try:
        assert again.bootstrap == bootstrap
        assert again.cluster_id == broker.cluster_id == kafka_broker.probe(again.port).cluster_id
        assert asyncio.run(_consume_all(bootstrap, topic, 5))[-1] == (3, b"before-3")
    finally:
        again.stop()


def test_start_failure_is_loud(libs, tmp_path):
    # A port that is already taken: a clear error before any JVM starts.
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        with pytest.raises(KafkaStartError, match="already in use"):
            ApacheKafka(port=busy.getsockname()[1], data_dir=tmp_path / "busy").start()

    # A config Kafka rejects: StorageTool format fails and says why.
    broker = ApacheKafka(
        data_dir=tmp_path / "bad", extra_config={"log.retention.hours": "not-a-number"}
    )
    with pytest.raises(KafkaStartError, match="StorageTool format failed") as excinfo:
        broker.start(timeout=60)
    assert "Invalid value not-a-number for configuration log.retention.hours" in str(excinfo.value)
    assert broker.pid is None

    # A broker JVM that dies during startup: the error carries the log tail.
    broker = ApacheKafka(data_dir=tmp_path / "dies", jvm_args=["-Xmx1m"])
    with pytest.raises(KafkaStartError, match="exited with code") as excinfo:
        broker.start(timeout=60)
    assert "Error occurred during initialization of VM" in str(excinfo.value)
    assert broker.pid is None
