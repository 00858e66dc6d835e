# aibridge-mock: a mock of Coder's AI Bridge API for UI development and contract tests.
#   docker build -t aibridge-mock .
#   docker run --rm -p 8080:8080 aibridge-mock
# Every option is an AIBRIDGE_MOCK_<NAME> environment variable (see README, "Configuration").
ARG PYTHON_VERSION=3.12

# ---- 1. build: the locked dependencies, then the package itself, into a virtualenv ---------------
FROM python:${PYTHON_VERSION}-slim-bookworm AS build
ARG UV_VERSION=0.13.9
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_ROOT_USER_ACTION=ignore \
    UV_NATIVE_TLS=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv
RUN pip install uv==${UV_VERSION}
WORKDIR /src
# uv.lock pins the whole closure; dependencies install before any code is copied, so code changes
# rebuild one layer. Serving needs the redis extra (replicas sharing state: deploy/) and no dependency group.
COPY pyproject.toml uv.lock ./
RUN uv sync --locked --no-default-groups --extra redis --no-install-project --no-editable
COPY README.md ./
COPY schemas/ schemas/
COPY fixtures/ fixtures/
COPY app/ app/
# The package installs non-editable: its schemas and fixtures are inside it. The packages' own test
# suites (numpy's alone is 16 MB) are never run in the image.
RUN uv sync --locked --no-default-groups --extra redis --no-editable \
 && uv pip check --python /opt/venv/bin/python \
 && find /opt/venv/lib -depth -type d -name tests -path '*/site-packages/*' -exec rm -rf {} +

# ---- 2. runtime: the virtualenv only; no build tools, no sources, no root ------------------------
FROM python:${PYTHON_VERSION}-slim-bookworm
ARG AIBRIDGE_MOCK_PORT=8080
LABEL org.opencontainers.image.title="aibridge-mock" \
      org.opencontainers.image.description="Mock and contract-testing server for Coder's AI Bridge API" \
      org.opencontainers.image.licenses="MIT"
RUN groupadd --system --gid 10001 mock \
 && useradd --system --uid 10001 --gid mock --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin mock
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    AIBRIDGE_MOCK_HOST=0.0.0.0 \
    AIBRIDGE_MOCK_PORT=${AIBRIDGE_MOCK_PORT}
WORKDIR /tmp
USER mock
EXPOSE ${AIBRIDGE_MOCK_PORT}
# Slim images have no curl: probe /readyz with Python, bypassing any HTTP proxy from the environment.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request as u; u.build_opener(u.ProxyHandler({})).open('http://127.0.0.1:%s/readyz' % os.environ.get('AIBRIDGE_MOCK_PORT', '8080'), timeout=2)"]
# The server is PID 1 (exec form, no shell): SIGTERM drains requests in flight, then exits.
STOPSIGNAL SIGTERM
ENTRYPOINT ["aibridge-mock"]
CMD ["serve"]
