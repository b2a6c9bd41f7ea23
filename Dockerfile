# newswire worker image (also runs the replayer: `replay /app/seeds ...`).
#
#   docker build -t newswire:latest .
#   docker run --rm -e NEWSWIRE_BROKER=kafka:9092 -p 127.0.0.1:6066:6066 newswire:latest
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system --gid 10001 newswire \
 && useradd --system --uid 10001 --gid newswire --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin newswire \
 && mkdir -p /app /var/lib/newswire \
 && chown newswire:newswire /var/lib/newswire

# The build context is filtered by .dockerignore (no .git, .venv, tests, deploy).
COPY . /tmp/src
RUN cd /tmp/src && pip install . && cd / && rm -rf /tmp/src

COPY seeds /app/seeds

WORKDIR /app

# In a container the web server (metrics, /healthz, /readyz) must listen on
# all interfaces; outside containers the default is 127.0.0.1.
ENV NEWSWIRE_WEB_HOST=0.0.0.0 \
    NEWSWIRE_WEB_PORT=6066 \
    NEWSWIRE_DATA_DIR=/var/lib/newswire

USER 10001:10001

EXPOSE 6066

HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('NEWSWIRE_WEB_PORT', '6066'), timeout=4)"]

ENTRYPOINT ["newswire"]
CMD ["worker"]
