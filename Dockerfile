# syntax=docker/dockerfile:1
# Build stage: the locked environment, without the dev tools.
FROM python:3.11-slim AS build
ENV UV_LINK_MODE=copy UV_COMPILE_BYTECODE=1 UV_PYTHON_DOWNLOADS=never
RUN pip install --no-cache-dir uv
WORKDIR /srv
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY hatch_build.py ./
COPY app ./app
RUN uv sync --frozen --no-dev

# Runtime stage: the app, its migrations and data, run as a non-root user.
FROM python:3.11-slim
RUN useradd --create-home --uid 10001 api
WORKDIR /srv
COPY --from=build /srv/.venv ./.venv
COPY app ./app
COPY migrations ./migrations
COPY alembic.ini ./
COPY data ./data
RUN mkdir -p var && chown api:api var
USER api
# FORWARDED_ALLOW_IPS: the reverse proxy whose X-Forwarded-For is believed (README, Deploy).
ENV PATH=/srv/.venv/bin:$PATH HOST=0.0.0.0 PORT=8000 WORKERS=2 \
    DATABASE_URL=sqlite:////srv/var/pow-exchanges.sqlite3 FORWARDED_ALLOW_IPS=127.0.0.1,::1
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --retries=3 \
  CMD python -c "import urllib.request,os; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT','8000'), timeout=2)"
# serve migrates, loads data/ into an empty database, then serves (--no-setup to skip that).
CMD ["pow-exchanges", "serve"]
