"""newswire: replay news articles to Kafka, normalise, tag and route them onto feeds.

Pipeline modules, in order: ``replay`` (producer) → ``normalise`` → ``tag`` →
``route`` (pure stages) run by the faust agents in ``app``; ``topics``,
``schemas`` and ``records`` describe what is on the wire; ``settings`` and
``metrics`` are the one place for configuration and monitoring.
"""

__version__ = "0.1.0"
