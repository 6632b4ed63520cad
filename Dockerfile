FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY api api
COPY workers workers
COPY judge judge
COPY rules rules
COPY store store
COPY migrations migrations
COPY prompts prompts
COPY deploy deploy
RUN pip install --no-cache-dir -e .
ENV SESSION_JUDGE_PROMPTS_DIR=/app/prompts
EXPOSE 8000
CMD ["session-judge", "serve", "--host", "0.0.0.0", "--port", "8000", "--migrate"]
