using PerfCluster.Target;
using PerfCluster.Tests.Deploy;

namespace PerfCluster.Tests.Cli;

/// <summary>
/// The README's commands the way a newcomer types them: from the repository root, with the paths the README
/// gives, relative to the directory the command is typed in — in the <c>dotnet run</c> form and as the executable.
/// </summary>
public class FrontDoorSpecs
{
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Should_resolve_relative_paths_against_the_repository_root_under_dotnet_run()
    {
        await using var target = await DemoTarget.StartAsync(new DemoTargetOptions(0, TimeSpan.Zero, TimeSpan.Zero));
        var outName = Path.Combine("results", "front-door-" + Guid.NewGuid().ToString("N"));
        var outDir = Path.Combine(DeployFiles.Root, outName);
        try
        {
            // Exactly the README's form: dotnet run --project src/PerfCluster -c Release -- <command>.
            var (code, stdout, stderr) = await RunAsync(DeployFiles.Root, "dotnet",
                "run", "--project", "src/PerfCluster", "-c", "Release", "--",
                "run", "hocon/scenarios/smoke.conf", "--target", target.BaseUrl.ToString(), "--duration", "2s", "--ramp-up", "0s",
                "--out", outName);

            Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
            Assert.True(File.Exists(Path.Combine(outDir, "report.json")), $"no report under {outDir}\n{stdout}");
            Assert.Equal("completed", ReportFiles.Read(outDir).GetProperty("status").GetString());
            Assert.False(Directory.Exists(Path.Combine(DeployFiles.Root, "src", "PerfCluster", outName)), "the report went to the project folder");
            Assert.True(target.TotalServed > 0);
        }
        finally
        {
            if (Directory.Exists(outDir)) Directory.Delete(outDir, recursive: true);
        }
    }

    [Fact]
    public async Task Should_resolve_relative_paths_against_the_working_directory_as_an_executable()
    {
        await using var target = await DemoTarget.StartAsync(new DemoTargetOptions(0, TimeSpan.Zero, TimeSpan.Zero));
        using var dir = new TempDirectory();
        Directory.CreateDirectory(Path.Combine(dir.Path, "scenarios"));
        File.Copy(Path.Combine(DeployFiles.Root, "hocon", "scenarios", "smoke.conf"), Path.Combine(dir.Path, "scenarios", "smoke.conf"));

        var (code, stdout, stderr) = await RunAsync(dir.Path, "dotnet", CliProcess.Executable,
            "run", "scenarios/smoke.conf", "--target", target.BaseUrl.ToString(), "--duration", "1s", "--ramp-up", "0s",
            "--out", "out/smoke", "--data-dir", "data");

        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Equal("completed", ReportFiles.Read(Path.Combine(dir.Path, "out", "smoke")).GetProperty("status").GetString());
        Assert.True(Directory.Exists(Path.Combine(dir.Path, "data")), "--data-dir did not resolve against the working directory");
    }

    private static Task<(int Code, string Stdout, string Stderr)> RunAsync(string workingDirectory, string file, params string[] args) =>
        ChildProcess.RunAsync(file, args, workingDirectory, Budget, new Dictionary<string, string?>
        {
            ["DOTNET_NOLOGO"] = "1",
            [CliProcess.DataDirVariable] = Path.Combine(Path.GetTempPath(), "perfcluster-tests", "data-" + Guid.NewGuid().ToString("N")),
            ["PERFCLUSTER_DB_PROVIDER"] = null,
            ["PERFCLUSTER_DB_CONNECTION"] = null,
        });
}
