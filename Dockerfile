# One image for every PerfCluster role: `run`, `demo`, `target` today; coordinator and worker nodes
# use the same image. Build: docker build -t perfcluster .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props PerfCluster.sln ./
COPY src/ src/
COPY hocon/ hocon/
RUN dotnet publish src/PerfCluster/PerfCluster.csproj -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
# report.html's charts measure their text with real fonts.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
# Reports go to /results; mount a volume there to keep them.
RUN mkdir -p /results && chown "$APP_UID" /results
WORKDIR /results
USER $APP_UID
ENV DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
STOPSIGNAL SIGTERM
ENTRYPOINT ["dotnet", "/app/perfcluster.dll"]
CMD ["demo"]
