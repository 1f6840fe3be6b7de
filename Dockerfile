# csba-router as a container: `csba-router serve` as a non-root user.
#   docker build -t csba-router .
#   docker run -p 2525:2525 -v csba-config:/etc/csba-router -v csba-data:/var/lib/csba-router csba-router
# The image's config is config/router.yaml with paths moved under
# /var/lib/csba-router and the listener on all interfaces; mount your own
# /etc/csba-router/router.yaml to replace it.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    CSBA_ROUTER_CONFIG=/etc/csba-router/router.yaml

WORKDIR /opt/csba-router
COPY pyproject.toml README.md ./
COPY router ./router
COPY templates ./templates
RUN pip install --no-cache-dir . \
    && useradd --system --home-dir /var/lib/csba-router --shell /usr/sbin/nologin csba \
    && mkdir -p /etc/csba-router /var/lib/csba-router \
    && chown csba:csba /var/lib/csba-router

COPY config/router.yaml /etc/csba-router/router.yaml
RUN sed -i \
        -e 's|data_dir: ./var|data_dir: /var/lib/csba-router|' \
        -e 's|sqlite:///./var/router.db|sqlite:////var/lib/csba-router/router.db|' \
        -e 's|maildir://./var/outbox|maildir:///var/lib/csba-router/outbox|' \
        -e 's|listen: 127.0.0.1:2525|listen: 0.0.0.0:2525|' \
        /etc/csba-router/router.yaml \
    && csba-router check-config

USER csba
WORKDIR /var/lib/csba-router
VOLUME ["/etc/csba-router", "/var/lib/csba-router"]
EXPOSE 2525

# Healthy when the SMTP listener greets with 220.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import socket; s = socket.create_connection(('127.0.0.1', 2525), 4); assert s.recv(3) == b'220'"

CMD ["csba-router", "serve"]
