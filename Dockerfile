# One image for every PartyGrid process; docker-compose.yml picks the command.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY services ./services
COPY gateway ./gateway
COPY infra ./infra
COPY supergraph.graphql ./
RUN pip install --no-cache-dir -c constraints.txt . \
    && useradd --system partygrid
USER partygrid
