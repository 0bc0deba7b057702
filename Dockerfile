# The Speaking API as a container image. Build context = the repository root:
#   docker build -t speaking-api .
#   docker run -e DATABASE_URL=postgresql://user:pass@host:5432/db -e SECRET_KEY=... -p 8000:8000 speaking-api
# DATABASE_URL is required here: the embedded PostgreSQL of `dotnet run` needs server binaries this image lacks.

# --- build: restore in its own layer (only the project files), then publish -------------------------------------
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/Domain/Speaking.Domain.csproj src/Domain/
COPY src/Application/Speaking.Application.csproj src/Application/
COPY src/Infrastructure/Speaking.Infrastructure.csproj src/Infrastructure/
COPY src/Api/Speaking.Api.csproj src/Api/
RUN dotnet restore src/Api/Speaking.Api.csproj
COPY src/ src/
RUN dotnet publish src/Api/Speaking.Api.csproj -c Release --no-restore -o /app -p:UseAppHost=false --nologo

# --- runtime ----------------------------------------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# curl for the HEALTHCHECK: the aspnet image has neither curl nor wget, and a real HTTP request to /health is the
# check that means something (a bash /dev/tcp probe would not read the status; a second .NET process per check
# would cost ~50 MB of memory every 15 s).
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Owned by root, read-only for the service user.
COPY --from=build /app ./
# The service listens on HOST:PORT (the original's variables); --urls / ASPNETCORE_URLS / URLS win when set.
# The base image's ASPNETCORE_HTTP_PORTS=8080 is not read by our binding (checked: with it set, only PORT is bound);
# it is cleared so nothing advertises 8080.
ENV PORT=8000 \
    HOST=0.0.0.0 \
    LOG_FORMAT=json \
    ASPNETCORE_HTTP_PORTS="" \
    DOTNET_NOLOGO=1
EXPOSE 8000
# The aspnet image's non-root user "app" (uid 1654), by number so runAsNonRoot policies can check it.
USER $APP_UID
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD curl -fsS -o /dev/null "http://127.0.0.1:${PORT}/health" || exit 1
# SIGTERM starts the graceful stop (DRAIN_SECONDS, default 30): give the container longer than that to stop
# (compose: stop_grace_period; Render: maxShutdownDelaySeconds).
STOPSIGNAL SIGTERM
ENTRYPOINT ["dotnet", "Speaking.Api.dll"]
