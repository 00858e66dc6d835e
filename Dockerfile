# aibridge-mock: a mock of Coder's AI Bridge API for UI development and contract tests.
#   docker build -t aibridge-mock .
#   docker run --rm -p 8080:8080 aibridge-mock
# Every option is an AIBRIDGE_MOCK_<NAME> environment variable (see README, "Configuration").
ARG PYTHON_VERSION=3.12

# ---- 1. dependencies: a virtualenv from pinned versions, built before any code is copied ----------
FROM python:${PYTHON_VERSION}-slim-bookworm AS deps
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_ROOT_USER_ACTION=ignore
# No pip inside the venv: the image's pip installs into it and stays behind in this stage.
RUN python -m venv --without-pip /opt/venv
COPY requirements.txt /tmp/requirements.txt
# requirements.txt pins the whole dependency closure: --no-deps lets nothing unpinned in, pip check
# proves nothing is missing, wheels only so no compiler is needed. The packages' own test suites
# (numpy's alone is 16 MB) are never run in the image.
RUN pip --python /opt/venv/bin/python install --no-deps --only-binary=:all: -r /tmp/requirements.txt \
 && pip --python /opt/venv/bin/python check \
 && find /opt/venv/lib -depth -type d -name tests -path '*/site-packages/*' -exec rm -rf {} +

# ---- 2. runtime: the venv, the package, its schemas and fixtures; no build tools, no root -------
FROM python:${PYTHON_VERSION}-slim-bookworm
ARG AIBRIDGE_MOCK_PORT=8080
LABEL org.opencontainers.image.title="aibridge-mock" \
      org.opencontainers.image.description="Mock and contract-testing server for Coder's AI Bridge API" \
      org.opencontainers.image.licenses="MIT"
RUN groupadd --system --gid 10001 mock \
 && useradd --system --uid 10001 --gid mock --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin mock
COPY --from=deps /opt/venv /opt/venv
WORKDIR /srv/aibridge-mock
COPY schemas/ schemas/
COPY fixtures/ fixtures/
COPY app/ app/
# Bytecode compiled at build time: the mock user cannot write next to the (root-owned) sources.
RUN python -m compileall -q app
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONPATH=/srv/aibridge-mock \
    AIBRIDGE_MOCK_SCHEMAS_DIR=/srv/aibridge-mock/schemas \
    AIBRIDGE_MOCK_HOST=0.0.0.0 \
    AIBRIDGE_MOCK_PORT=${AIBRIDGE_MOCK_PORT}
USER mock
EXPOSE ${AIBRIDGE_MOCK_PORT}
# Slim images have no curl: probe /readyz with Python, bypassing any HTTP proxy from the environment.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request as u; u.build_opener(u.ProxyHandler({})).open('http://127.0.0.1:%s/readyz' % os.environ.get('AIBRIDGE_MOCK_PORT', '8080'), timeout=2)"]
# gunicorn is PID 1 (exec form, no shell): SIGTERM drains requests in flight, then exits.
STOPSIGNAL SIGTERM
ENTRYPOINT ["python", "-m", "app.cli"]
CMD ["serve"]
