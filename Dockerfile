# newswire worker image (also runs the replayer: `replay /app/seeds ...`).
#
#   docker build -t newswire:latest .
#   docker run --rm -e NEWSWIRE_BROKER=kafka:9092 -p 127.0.0.1:6066:6066 newswire:latest
# Build stage: a wheel with streams/_scan.c and _classify.c compiled (the slim image has no C compiler; without one the
# install would quietly fall back to the slower pure-Python tagging pass, so the build checks the wheel).
FROM python:3.11-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev \
 && rm -rf /var/lib/apt/lists/*
COPY . /src
RUN pip wheel --no-deps --wheel-dir /wheels /src \
 && python -c "import glob, sys, zipfile; names = zipfile.ZipFile(glob.glob('/wheels/*.whl')[0]).namelist(); sys.exit(not all(any(n.startswith(f'streams/{m}.') and n.endswith('.so') for n in names) for m in ('_scan', '_classify')))"

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

# The build context is filtered by .dockerignore (no .git, .venv, tests, deploy, local builds).
COPY --from=build /wheels /tmp/wheels
RUN pip install /tmp/wheels/*.whl && rm -rf /tmp/wheels

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
