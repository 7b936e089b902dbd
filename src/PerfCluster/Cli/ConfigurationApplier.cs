using System.Diagnostics;
using System.Text;
using System.Text.Json;
using PerfCluster.Core.Optimisation;

namespace PerfCluster.Cli;

/// <summary>
/// Puts a configuration onto the system under test as the study's <c>apply</c> says: an HTTP request (the parameters as a
/// JSON object, or the body template) that must answer 2xx, or a command that must exit 0; then waits until the readiness
/// URL answers 2xx and the settle time has passed. Every failure comes back as a sentence, never an exception.
/// </summary>
public sealed class ConfigurationApplier(ApplyDefinition apply, string workingDirectory) : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>Null when the configuration took and the system is ready, else why not.</summary>
    public async Task<string?> ApplyAsync(IReadOnlyDictionary<string, object> values, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(apply.Timeout);
        try
        {
            var problem = apply.Method switch
            {
                HttpApply http => await SendAsync(http, values, timeout.Token),
                CommandApply command => await RunAsync(command, values, timeout.Token),
                _ => "unknown apply method",
            };
            if (problem is not null) return problem;
            if (apply.Readiness is { } readiness && await WaitReadyAsync(readiness, timeout.Token) is { } notReady) return notReady;
            if (apply.Settle > TimeSpan.Zero) await Task.Delay(apply.Settle, cancellationToken);
            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"no success within the apply timeout of {apply.Timeout.TotalSeconds:0.#} s";
        }
    }

    /// <summary>The default body: the parameters as a JSON object (numbers, booleans, strings).</summary>
    public static string JsonBody(IReadOnlyDictionary<string, object> values) => JsonSerializer.Serialize(values);

    /// <summary>A value inside a template: numbers and booleans as JSON literals, text as it is.</summary>
    public static string Render(object value) => value switch
    {
        bool b => b ? "true" : "false",
        _ => StudyDefinition.Format(value),
    };

    private async Task<string?> SendAsync(HttpApply http, IReadOnlyDictionary<string, object> values, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(new HttpMethod(http.Method), http.Url);
        if (http.Method != "GET")
            request.Content = new StringContent(http.Body is null ? JsonBody(values) : StudyReader.Render(http.Body, values, Render), Encoding.UTF8, "application/json");
        foreach (var (name, value) in http.Headers)
            request.Headers.TryAddWithoutValidation(name, StudyReader.Render(value, values, Render));
        try
        {
            using var response = await _http.SendAsync(request, cancellationToken);
            if (response.IsSuccessStatusCode) return null;
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            return $"{http.Method} {http.Url} answered HTTP {(int)response.StatusCode}{(text.Length > 0 ? ": " + Shorten(text) : "")}";
        }
        catch (HttpRequestException e)
        {
            return $"{http.Method} {http.Url} failed: {e.Message}";
        }
    }

    private async Task<string?> RunAsync(CommandApply command, IReadOnlyDictionary<string, object> values, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(command.Program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in command.Arguments) start.ArgumentList.Add(StudyReader.Render(argument, values, Render));
        if (command.Environment)
            foreach (var (name, value) in values)
                start.Environment["PERFCLUSTER_PARAM_" + name.ToUpperInvariant().Replace('-', '_')] = Render(value);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("no process");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return $"command '{command.Program}' could not be started: {e.Message}";
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            try
            {
                await process.WaitForExitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }
            if (process.ExitCode == 0) return null;
            var said = (await error).Trim();
            if (said.Length == 0) said = (await output).Trim();
            return $"command '{command.Program}' exited with code {process.ExitCode}{(said.Length > 0 ? ": " + Shorten(said) : "")}";
        }
    }

    private async Task<string?> WaitReadyAsync(Uri readiness, CancellationToken cancellationToken)
    {
        string last = "no answer";
        while (true)
        {
            try
            {
                using var response = await _http.GetAsync(readiness, cancellationToken);
                if (response.IsSuccessStatusCode) return null;
                last = $"HTTP {(int)response.StatusCode}";
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // the client's own timeout: try again
            }
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return $"readiness {readiness} did not answer 2xx within {apply.Timeout.TotalSeconds:0.#} s (last: {last})";
            }
        }
    }

    private static string Shorten(string text)
    {
        text = text.ReplaceLineEndings(" ").Trim();
        return text.Length > 300 ? text[..300] + "…" : text;
    }

    public void Dispose() => _http.Dispose();
}
