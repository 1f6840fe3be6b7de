# csba-router as a container: `csba-router serve` as a non-root user.
#   docker build -t csba-router .
#   docker run -p 2525:2525 -p 9025:9025 -v csba-data:/var/lib/csba-router csba-router
# The image's config is config/router.yaml with paths moved under
# /var/lib/csba-router, the listener on all interfaces and the monitoring
# listener (instance.http: /metrics, /livez, /readyz) on port 9025; mount
# your own /etc/csba-router/router.yaml to replace it.  With PostgreSQL and
# a relay to try: deploy/compose.yaml.
#
# Python packages come from requirements.lock, the pinned versions the
# project tests with (regenerate it with tools/lock.sh after changing
# pyproject.toml); the router itself is installed without resolving anything.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CSBA_ROUTER_CONFIG=/etc/csba-router/router.yaml

WORKDIR /opt/csba-router
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock
COPY pyproject.toml README.md ./
COPY router ./router
COPY templates ./templates
RUN pip install --no-cache-dir --no-deps . \
    && pip check \
    && useradd --system --home-dir /var/lib/csba-router --shell /usr/sbin/nologin csba \
    && mkdir -p /etc/csba-router /var/lib/csba-router \
    && chown csba:csba /var/lib/csba-router

COPY config/router.yaml /etc/csba-router/router.yaml
RUN sed -i \
        -e 's|^  data_dir: ./var .*|  data_dir: /var/lib/csba-router\n  http: 0.0.0.0:9025|' \
        -e 's|sqlite:///./var/router.db|sqlite:////var/lib/csba-router/router.db|' \
        -e 's|maildir://./var/outbox|maildir:///var/lib/csba-router/outbox|' \
        -e 's|listen: 127.0.0.1:2525|listen: 0.0.0.0:2525|' \
        /etc/csba-router/router.yaml \
    && csba-router check-config

USER csba
WORKDIR /var/lib/csba-router
VOLUME ["/etc/csba-router", "/var/lib/csba-router"]
EXPOSE 2525 9025

# Healthy when /readyz says so: the database answers, SMTP accepts and the
# pipeline processes run (a config without instance.http fails this check).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:9025/readyz', timeout=4)"]

CMD ["csba-router", "serve"]
