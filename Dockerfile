# iam-drift-auditor in a slim image, run as a non-root user:
#   docker build -t iam-drift-auditor .
#   docker run --rm -v "$PWD:/work" -w /work -e AWS_PROFILE -v ~/.aws:/home/auditor/.aws:ro iam-drift-auditor audit
# The wheel is built in a stage of its own, where a C compiler compiles the signature encoder
# (auditor/normalize/_encoding.c); the image that runs holds the wheel's result, not the compiler.
FROM python:3.11-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml README.md ./
COPY auditor ./auditor
RUN pip wheel --no-cache-dir --no-deps -w /wheels .

FROM python:3.11-slim

RUN useradd --create-home --uid 10001 auditor
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels /root/.cache

USER auditor
WORKDIR /work
ENTRYPOINT ["auditor"]
CMD ["--help"]
