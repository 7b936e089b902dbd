# One image for every PerfCluster role: coordinator and worker nodes, clients (`run`, `test`, `baseline`
# against --coordinator), `demo` and `target`. Build: docker build -t perfcluster .
# k8s/ runs it; scripts/run-as-image.sh runs the same commands as local processes.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props PerfCluster.sln ./
COPY src/ src/
COPY hocon/ hocon/
# -r linux-x64: ReadyToRun code, so the JIT does not compete with the load for CPU.
RUN dotnet publish src/PerfCluster/PerfCluster.csproj -c Release -r linux-x64 --self-contained false -o /app --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
# report.html's charts measure their text with real fonts.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
# Reports go to /results, the SQLite store (when no PostgreSQL is configured) to /data; mount volumes there to keep them.
RUN mkdir -p /results /data && chown "$APP_UID" /results /data
WORKDIR /results
USER $APP_UID
ENV DOTNET_NOLOGO=1 \
    DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    PERFCLUSTER_DATA_DIR=/data \
    PERFCLUSTER_HEALTH_URL=http://127.0.0.1:7070/healthz
# 4053 cluster transport (coordinator and workers), 7070 coordinator HTTP API, 8080 worker health (--health).
EXPOSE 4053 7070 8080
# The runtime image has no curl: the binary checks itself. It GETs $PERFCLUSTER_HEALTH_URL (the coordinator's
# /healthz; a worker started with --health 0.0.0.0:8080 sets it to http://127.0.0.1:8080/healthz).
# Kubernetes ignores HEALTHCHECK and uses the probes in k8s/.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["dotnet", "/app/perfcluster.dll", "health", "--timeout", "3s"]
# SIGTERM: a worker hands its share back and leaves the cluster; a coordinator stops its runs and leaves.
STOPSIGNAL SIGTERM
ENTRYPOINT ["dotnet", "/app/perfcluster.dll"]
CMD ["demo"]
