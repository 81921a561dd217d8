# iam-drift-auditor in a slim image, run as a non-root user:
#   docker build -t iam-drift-auditor .
#   docker run --rm -v "$PWD:/work" -w /work -e AWS_PROFILE -v ~/.aws:/home/auditor/.aws:ro iam-drift-auditor audit
FROM python:3.11-slim

RUN useradd --create-home --uid 10001 auditor
WORKDIR /opt/iam-drift-auditor
COPY pyproject.toml README.md ./
COPY auditor ./auditor
RUN pip install --no-cache-dir . && rm -rf /root/.cache

USER auditor
WORKDIR /work
ENTRYPOINT ["auditor"]
CMD ["--help"]
