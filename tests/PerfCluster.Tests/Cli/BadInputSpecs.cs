namespace PerfCluster.Tests.Cli;

/// <summary>Bad input of every kind: exit code 2, a message that says what and where, never a stack trace.</summary>
public class BadInputSpecs
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(60);

    private static void AssertNoStackTrace(string output) =>
        Assert.DoesNotMatch(@"\n\s+at [\w.]+\(", output);

    [Fact]
    public async Task Should_name_file_and_line_of_a_syntax_error()
    {
        using var dir = new TempDirectory();
        var file = dir.File("broken.conf", "name = \"x\"\ntarget = \"http://127.0.0.1:9\"\nconcurrent-users = 2\nendpoints = [ \"/a\"\nduration = 5s\n");

        var (code, stdout, stderr) = await CliProcess.RunAsync(Budget, "run", file);

        Assert.Equal(2, code);
        Assert.Contains($"{file}:", stderr);
        Assert.Matches(@"broken\.conf:\d+:\d+: ", stderr);
        AssertNoStackTrace(stdout + stderr);
    }

    [Fact]
    public async Task Should_suggest_the_key_a_typo_meant()
    {
        using var dir = new TempDirectory();
        var file = dir.File("typo.conf", "name = x\ntarget = \"http://127.0.0.1:9\"\nconcurent-users = 2\nduration = 5s\n");

        var (code, _, stderr) = await CliProcess.RunAsync(Budget, "run", file);

        Assert.Equal(2, code);
        Assert.Contains("typo.conf:3:", stderr);
        Assert.Contains("concurrent-users", stderr);
    }

    [Fact]
    public async Task Should_refuse_a_threshold_on_an_unknown_metric_before_sending_load()
    {
        using var dir = new TempDirectory();
        var file = dir.File("t.conf", "name = x\ntarget = \"http://127.0.0.1:9\"\nconcurrent-users = 2\nduration = 5s\nthresholds = [ \"p95x < 2s\" ]\n");

        var (code, _, stderr) = await CliProcess.RunAsync(Budget, "run", file);

        Assert.Equal(2, code);
        Assert.Contains("t.conf:5:", stderr);
        Assert.Contains("p95x", stderr);
    }

    [Fact]
    public async Task Should_refuse_an_unreachable_target()
    {
        using var dir = new TempDirectory();
        var port = FreePort();
        var file = dir.File("u.conf", $"name = x\ntarget = \"http://127.0.0.1:{port}\"\nconcurrent-users = 2\nduration = 5s\n");

        var (code, stdout, stderr) = await CliProcess.RunAsync(Budget, "run", file, "--out", dir.Sub("out"));

        Assert.Equal(2, code);
        Assert.Contains("not reachable", stderr);
        Assert.Contains("connection refused", stderr);
        Assert.False(Directory.Exists(dir.Sub("out")), "no report for a run that never started");
        AssertNoStackTrace(stdout + stderr);
    }

    [Theory]
    [InlineData("--users", "0")]
    [InlineData("--users", "many")]
    [InlineData("--duration", "-5s")]
    [InlineData("--duration", "5 fortnights")]
    [InlineData("--target", "ftp://example")]
    public async Task Should_refuse_bad_command_line_values(string option, string value)
    {
        using var dir = new TempDirectory();
        var file = dir.File("ok.conf", "name = x\ntarget = \"http://127.0.0.1:9\"\nconcurrent-users = 2\nduration = 5s\n");

        var (code, stdout, stderr) = await CliProcess.RunAsync(Budget, "run", file, option, value);

        Assert.Equal(2, code);
        Assert.Contains("error:", stderr);
        AssertNoStackTrace(stdout + stderr);
    }

    [Theory]
    [InlineData("--leak", "-1")]
    [InlineData("--leak-mb-per-min", "-1")]
    [InlineData("--error-rate", "2")]
    public async Task Should_refuse_bad_demo_target_values(string option, string value)
    {
        var (code, stdout, stderr) = await CliProcess.RunAsync(Budget, "target", "--port", "0", option, value);

        Assert.Equal(2, code);
        Assert.Contains(option, stderr);
        AssertNoStackTrace(stdout + stderr);
    }

    [Fact]
    public async Task Should_refuse_a_missing_scenario_file()
    {
        var (code, _, stderr) = await CliProcess.RunAsync(Budget, "run", "/nonexistent/scenario.conf");

        Assert.Equal(2, code);
        Assert.Contains("/nonexistent/scenario.conf", stderr);
    }

    private static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
