using Akka.Actor;
using PerfCluster.Core.History;
using PerfCluster.Core.Regression;
using PerfCluster.Core.Reports;
using PerfCluster.Core.Runs;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Coordination;
using PerfCluster.Engine.Persistence;
using PerfCluster.Engine.Stores;
using PerfCluster.Engine.Protocol;

namespace PerfCluster.Cli;

/// <summary>
/// What a command adds around a plain run: it sees every live event, may stop the run early
/// (abort-on-fail), completes the report before it is written (the regression verdict), and keeps
/// what must outlive the run (run history, baselines) once the report is on disk.
/// </summary>
public interface IRunReview
{
    /// <summary>The run happens on this in-process node: its store is the one to use (one writer per database).</summary>
    void Attach(ActorSystem node);

    void OnEvent(ScenarioDefinition scenario, object e);

    /// <summary>Cancelled when the review wants the run stopped; the report then says <see cref="AbortReason"/>.</summary>
    CancellationToken Abort { get; }

    string? AbortReason { get; }

    RunReport Review(RunReport report);

    Task AfterWriteAsync(RunReport report, string outputDirectory);

    /// <summary>The id the run gets: <paramref name="wanted"/>, unless a run in the store has it already.</summary>
    Task<TestRunId> ClaimRunIdAsync(TestRunId wanted);
}

/// <summary>
/// Records every finished scenario in the run history. A store that cannot be opened costs the
/// history entry, not the run: the report is already written, so the problem is a warning.
/// </summary>
public class HistoryReview(PersistenceSettings settings) : IRunReview
{
    private ActorSystem? _node;

    protected PersistenceSettings Settings { get; } = settings;

    public void Attach(ActorSystem node) => _node = node;

    /// <summary>The in-process node's store when the run had one, else the database of <see cref="Settings"/>.</summary>
    protected async Task<PerfClusterStore> OpenStoreAsync()
    {
        if (_node is null) return await PerfClusterStore.OpenAsync(Settings);
        var store = PerfClusterStore.Attach(_node);
        await store.WaitUntilRecoveredAsync();
        return store;
    }

    public virtual void OnEvent(ScenarioDefinition scenario, object e) { }

    public virtual CancellationToken Abort => CancellationToken.None;

    public virtual string? AbortReason => null;

    public virtual RunReport Review(RunReport report) => report;

    /// <summary>
    /// Run ids are the start second ("benchmark_1796286407"); two runs started in the same second on one store would share
    /// a history entry and a timeline, so the id is claimed in the store first. A store that cannot be opened costs
    /// that guarantee, not the run.
    /// </summary>
    public async Task<TestRunId> ClaimRunIdAsync(TestRunId wanted)
    {
        try
        {
            await using var store = await OpenStoreAsync();
            return new TestRunId(await store.ClaimRunIdAsync(wanted.Value));
        }
        catch (StoreException e)
        {
            Console.Error.WriteLine($"warning: the run id could not be reserved in the store: {e.Message}");
            return wanted;
        }
    }

    public virtual async Task AfterWriteAsync(RunReport report, string outputDirectory)
    {
        if (report.Scenarios.Count == 0) return;
        try
        {
            await using var store = await OpenStoreAsync();
            foreach (var s in report.Scenarios)
                await store.RecordRunAsync(RunSummary.From(report, s, Math.Max(1, s.Statistics.Workers.Count),
                    s.Regression?.Outcome.ToJsonName(), s.Regression?.BaselineName));
        }
        catch (StoreException e)
        {
            Console.Error.WriteLine($"warning: the run history was not updated: {e.Message}");
        }
    }
}

/// <summary>
/// <c>perfcluster baseline</c>: after the run, each scenario's result becomes a new version of the
/// named baseline in the library, and the baseline file when <c>--output</c> is given. An interrupted
/// or empty run is not a baseline: nothing is stored and the command fails.
/// </summary>
public sealed class BaselineReview(PersistenceSettings settings, string? name, string? outputFile) : HistoryReview(settings)
{
    public IReadOnlyList<Baseline> Stored { get; private set; } = [];

    public override async Task AfterWriteAsync(RunReport report, string outputDirectory)
    {
        await base.AfterWriteAsync(report, outputDirectory);
        if (report.Interrupted || report.Status == RunStatus.Error)
            throw new UsageException("the run did not complete, so no baseline was stored");
        if (report.Scenarios.Count != 1 && (name is not null || outputFile is not null))
            throw new UsageException($"--name and --output need exactly one scenario but the run had {report.Scenarios.Count}; pick one with --scenario");
        var stored = new List<Baseline>();
        try
        {
            await using var store = await OpenStoreAsync();
            foreach (var s in report.Scenarios)
            {
                if (s.CompletedNoRequests) throw new UsageException($"scenario '{s.Name}' completed no requests, so it is not a baseline");
                var baseline = PerfCluster.Core.Runs.RunBaselines.Of(report, s, name ?? s.Name, Math.Max(1, s.Statistics.Workers.Count));
                var entry = await store.SaveBaselineAsync(baseline.Name, BaselineFile.ToJson(baseline), s.Name, report.RunId, baseline.CreatedAt);
                baseline = baseline with { Version = entry.Version };
                stored.Add(baseline);
                Console.Out.WriteLine($"Baseline '{baseline.Name}' version {entry.Version} stored in {Settings.Describe()}");
                if (outputFile is not null)
                {
                    BaselineFile.Write(outputFile, baseline);
                    Console.Out.WriteLine($"Baseline written to {Path.GetFullPath(outputFile)}");
                }
            }
        }
        catch (StoreException e)
        {
            throw new UsageException($"the baseline could not be stored: {e.Message}");
        }
        Stored = stored;
    }
}

/// <summary>
/// <c>perfcluster test</c>: follows the live windows against the baseline (the running comparison
/// is printed as it changes; with <c>abort-on-fail</c> a regression that is already certain stops
/// the run), then puts the verdict into the report before it is written.
/// </summary>
public sealed class RegressionReview(PersistenceSettings settings, Baseline baseline, bool strict) : HistoryReview(settings)
{
    private readonly CancellationTokenSource _abort = new();
    private readonly Dictionary<string, LiveRegression> _live = new(StringComparer.OrdinalIgnoreCase);
    private string? _abortReason;
    private long _lastPrinted = -1;

    public override CancellationToken Abort => _abort.Token;

    public override string? AbortReason => _abortReason;

    public override void OnEvent(ScenarioDefinition scenario, object e)
    {
        if (e is not RunProtocol.RunProgress { Window: { } window }) return;
        if (!_live.TryGetValue(scenario.Name, out var live))
        {
            live = new LiveRegression(baseline, scenario.Regression);
            _live[scenario.Name] = live;
        }
        live.Add(window);
        if (window.Second - _lastPrinted >= 10 && live.Throughput.CurrentSamples > 0)
        {
            _lastPrinted = window.Second;
            Console.Out.WriteLine($"  vs baseline '{baseline.Name}' v{baseline.Version}: throughput {Signed(live.Throughput.ChangePercent)}, " +
                                  $"p95 {Signed(live.LatencyP95.ChangePercent)}");
        }
        if (live.IsCertainFailure && scenario.Regression.AbortOnFail && !_abort.IsCancellationRequested)
        {
            _abortReason = $"abort-on-fail: regression already certain after {window.Second + 1} s: {live.FailureReason}";
            Console.Out.WriteLine($"  {_abortReason}");
            _abort.Cancel();
        }
    }

    private static string Signed(double percent) => double.IsFinite(percent) ? $"{percent:+0.0;-0.0;0.0}%" : "n/a";

    public override RunReport Review(RunReport report) => report.JudgedAgainst(baseline, strict);
}
