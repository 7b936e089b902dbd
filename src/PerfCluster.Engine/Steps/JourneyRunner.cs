using System.Diagnostics;
using System.Net;
using System.Text;
using PerfCluster.Core.Coordination;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Steps;
using PerfCluster.Engine.Drivers;

namespace PerfCluster.Engine.Steps;

/// <summary>One journey user: its variables, cookie jar (made when the first cookie arrives), feeder places and setup state.</summary>
public sealed class JourneyUser
{
    internal JourneyUser(int vu, int slots, int feeders, int modules = 0)
    {
        Variables = new UserVariables(vu, slots);
        FeederUses = feeders == 0 ? [] : new long[feeders];
        Modules = modules == 0 ? [] : new UserModule?[modules];
    }

    public UserVariables Variables { get; }
    internal long[] FeederUses { get; }
    internal CookieContainer? Jar { get; set; }
    /// <summary>The user's open WebSockets by name; made when the first one opens.</summary>
    internal Dictionary<string, UserSocket>? Sockets { get; set; }
    internal bool SetUp { get; set; }
    internal bool HasRows { get; set; }
    /// <summary>This user's instance of each module, by the journey's module index; made on first use.</summary>
    internal UserModule?[] Modules { get; }
    /// <summary>The user's variables by name, as its modules see them.</summary>
    internal UserModuleVariables? Named { get; set; }
}

/// <summary>How a step, a block or an iteration ended.</summary>
internal enum Flow { Next, EndIteration, EndUser, Abandoned }

/// <summary>
/// Runs a journey scenario's iterations on one share: a user's first iteration takes its per-user rows and runs the
/// setup steps; every iteration takes its per-iteration rows, picks a flow by weight and runs its steps in order. Each
/// request step is one series of the share's recorder (its own latencies and error kinds); flows and groups record
/// their durations; named checks count passes and failures. In the open model the first request of an iteration is
/// timed from the iteration's intended start, like the iteration itself.
/// </summary>
public sealed partial class JourneyRunner : IDisposable
{
    private readonly Journey _journey;
    private readonly MetricsRecorder _recorder;
    private readonly JourneyHttp _http;
    private readonly TimeSpan _timeout;
    private readonly HttpProtocol _version;
    private readonly long _maxMessage;
    private readonly Func<bool> _isOver;
    private readonly Dictionary<Step, int> _requestIndex = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Step, int> _groupIndex = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Step, HttpMethod> _methods = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, int> _checkIndex = new(StringComparer.Ordinal);
    private readonly FeederRows[] _feeders;
    /// <summary>Per request step: whether its body and its headers must be read (extractors and checks that need them).</summary>
    private readonly (bool Body, bool Headers)[] _reads;
    private readonly double[] _flowWeights;
    private readonly double _totalWeight;

    /// <param name="requestLease">Asks the coordinator for a block of a unique feeder's rows (the answer comes to <see cref="Grant"/>).</param>
    /// <param name="isOver">True once the share's load time is over: pauses inside a flow end at once, so the drain is short.</param>
    /// <param name="share">The share's users, to size its part of each database's <c>pool-size</c>; null: all of them.</param>
    public JourneyRunner(ScenarioDefinition scenario, MetricsRecorder recorder, int connections, Action<string, int>? requestLease, Func<bool> isOver,
        UserShare? share = null)
    {
        _journey = scenario.Journey ?? throw new ArgumentException("the scenario has no journey", nameof(scenario));
        _recorder = recorder;
        _isOver = isOver;
        _timeout = scenario.Http.Timeout;
        _version = scenario.Http.Version;
        _maxMessage = scenario.Http.MaxResponseSize;
        _setupSockets = _journey.Setup.SelectMany(Journey.Walk).OfType<WsConnectStep>().Select(c => c.Socket).ToHashSet(StringComparer.Ordinal);
        var handshakes = HandshakeTiming.IndexIn(scenario, _journey.Flows.Count + _journey.Groups.Count);
        _http = new JourneyHttp(scenario, scenario.Http.MaxConnections > 0 ? scenario.Http.MaxConnections : connections,
            handshakes is { } h ? (from, to) => recorder.RecordTiming(h, from, to, false) : null);
        recorder.ConnectionWaits = () => _http.ConnectionWaits;
        var series = _journey.Series;
        _reads = new (bool, bool)[series.Count];
        for (var i = 0; i < series.Count; i++)
        {
            _requestIndex[series[i]] = i;
            if (series[i] is not RequestStep request) continue;
            _methods[request] = new HttpMethod(request.Method);
            _reads[i] = (request.Checks.Any(c => c.Kind is not (CheckKind.Status or CheckKind.LatencyUnder)) ||
                         request.Extract.Any(e => e.Source is ExtractSource.Json or ExtractSource.Regex),
                         request.Extract.Any(e => e.Source is ExtractSource.Header or ExtractSource.Cookie));
        }
        _share = share ?? new UserShare(0, Math.Max(1, scenario.Load.Users));
        _totalUsers = Math.Max(1, scenario.Load.Users);
        LoadModules();
        PrepareGrpc();
        OpenDatabases(connections);
        var groups = _journey.Groups;
        for (var i = 0; i < groups.Count; i++) _groupIndex[groups[i]] = _journey.Flows.Count + i;
        var checks = _journey.Checks;
        for (var i = 0; i < checks.Count; i++) _checkIndex[checks[i].Name] = i;
        _feeders = _journey.Feeders.Select(f => new FeederRows(f, f.Fields.Select(x => _journey.Variables.SlotOf(f.VariableOf(x))).ToArray(),
            requestLease)).ToArray();
        _flowWeights = _journey.Flows.Select(f => f.Weight).ToArray();
        _totalWeight = _flowWeights.Sum();
    }

    /// <summary>The series a share's recorder needs for this journey: request steps, then flows and groups, then checks.</summary>
    public static MetricsRecorder RecorderFor(ScenarioDefinition scenario)
    {
        var journey = scenario.Journey!;
        return new MetricsRecorder(scenario.Endpoints.Select(e => e.Name).ToList(),
            journey.Flows.Select(f => (f.Name, false)).Concat(journey.Groups.Select(g => (g.Name, true))).Concat(HandshakeTiming.Of(scenario)).ToList(),
            journey.Checks.Select(c => c.Name).ToList(),
            journey.Databases.Where(d => d.Provider != DatabaseProvider.Redis).Select(d => d.Name).ToList());
    }

    public JourneyUser NewUser(int vu) => new(vu, _journey.Variables.Count, _feeders.Length, _journey.Modules.Count);

    /// <summary>A block of unique rows (or none left) arrived from the coordinator.</summary>
    public void Grant(string feeder, int from, int to)
    {
        foreach (var f in _feeders)
            if (f.Feeder.Name == feeder) f.Unique?.Grant(from, to);
    }

    /// <summary>Asks again for blocks whose answer is overdue.</summary>
    public void RetryLeases()
    {
        foreach (var f in _feeders) f.Unique?.RetryIfOverdue();
    }

    /// <summary>
    /// One iteration of <paramref name="user"/>. False when the user must stop: a step with <c>on-failure = stop-user</c>
    /// failed, a unique feeder ran out, or the graceful-stop period cut a request off.
    /// </summary>
    public async Task<bool> IterateAsync(JourneyUser user, long? intendedStart, CancellationToken abandon)
    {
        var start = intendedStart ?? Stopwatch.GetTimestamp();
        var state = new IterationState(user, intendedStart, abandon);
        if (!user.HasRows)
        {
            var taken = await TakeRowsAsync(state, FeederTake.PerUser).ConfigureAwait(false);
            if (taken != Flow.Next) return false;
            user.HasRows = true;
        }
        if (await TakeRowsAsync(state, FeederTake.PerIteration).ConfigureAwait(false) is var rows && rows != Flow.Next)
            return false;
        if (!user.SetUp && _journey.Setup.Count > 0)
        {
            var setup = await RunAsync(_journey.Setup, state).ConfigureAwait(false);
            if (setup is Flow.EndUser or Flow.Abandoned) return false;
            if (state.Failed || setup == Flow.EndIteration) return true;   // the setup runs again on the next iteration
        }
        user.SetUp = true;
        var flowIndex = PickFlow();
        var flow = _journey.Flows[flowIndex];
        var result = await RunAsync(flow.Steps, state).ConfigureAwait(false);
        if (result == Flow.Abandoned) return false;
        _recorder.RecordTiming(flowIndex, start, Stopwatch.GetTimestamp(), state.Failed || result != Flow.Next);
        user.Variables.Iteration++;
        return result != Flow.EndUser;
    }

    private int PickFlow()
    {
        if (_flowWeights.Length == 1) return 0;
        var pick = Random.Shared.NextDouble() * _totalWeight;
        for (var i = 0; i < _flowWeights.Length; i++)
        {
            pick -= _flowWeights[i];
            if (pick < 0) return i;
        }
        return _flowWeights.Length - 1;
    }

    private async ValueTask<Flow> TakeRowsAsync(IterationState state, FeederTake take)
    {
        for (var i = 0; i < _feeders.Length; i++)
        {
            var feeder = _feeders[i];
            if (feeder.Feeder.Take != take) continue;
            int row;
            try
            {
                row = await feeder.NextAsync(state.User, i, state.Abandon).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return Flow.Abandoned;
            }
            if (row < 0)
            {
                if (feeder.Feeder.OnExhausted == FeederExhausted.Fail && _journey.Requests.Count > 0)
                {
                    var now = Stopwatch.GetTimestamp();
                    _recorder.Record(0, state.TakeIntendedStart(), now, now, ErrorKind.FeederExhausted);
                }
                return Flow.EndUser;
            }
            feeder.Apply(state.User, row);
        }
        return Flow.Next;
    }

    private async ValueTask<Flow> RunAsync(IReadOnlyList<Step> steps, IterationState state)
    {
        foreach (var step in steps)
        {
            var before = state.Failed;
            state.Failed = false;
            var result = await StepAsync(step, state).ConfigureAwait(false);
            var failed = state.Failed;
            state.Failed = before || failed;
            if (result != Flow.Next) return result;
            if (failed && step is SeriesStep or PauseStep or SetStep or WsCloseStep)
            {
                switch (step.OnFailure)
                {
                    case OnFailure.StopIteration: return Flow.EndIteration;
                    case OnFailure.StopUser: return Flow.EndUser;
                }
            }
        }
        return Flow.Next;
    }

    private async ValueTask<Flow> StepAsync(Step step, IterationState state)
    {
        switch (step)
        {
            case RequestStep request:
                return await RequestAsync(request, state).ConfigureAwait(false);
            case PauseStep pause:
                await PauseAsync(pause.Sample(Random.Shared), state.Abandon).ConfigureAwait(false);
                return state.Abandon.IsCancellationRequested ? Flow.Abandoned : Flow.Next;
            case GroupStep group:
            {
                var start = Stopwatch.GetTimestamp();
                var result = await RunAsync(group.Steps, state).ConfigureAwait(false);
                if (result != Flow.Abandoned) _recorder.RecordTiming(_groupIndex[group], start, Stopwatch.GetTimestamp(), state.Failed || result != Flow.Next);
                return result;
            }
            case RepeatStep repeat:
                for (var i = 0; i < repeat.Times; i++)
                    if (await RunAsync(repeat.Steps, state).ConfigureAwait(false) is var r && r != Flow.Next) return r;
                return Flow.Next;
            case WhileStep loop:
                for (var i = 0; i < loop.Max && loop.Condition.Holds(state.User.Variables); i++)
                    if (await RunAsync(loop.Steps, state).ConfigureAwait(false) is var r && r != Flow.Next) return r;
                return Flow.Next;
            case IfStep branch:
                return await RunAsync(branch.Condition.Holds(state.User.Variables) ? branch.Then : branch.Else, state).ConfigureAwait(false);
            case SqlStep sql:
                return await SqlAsync(sql, state).ConfigureAwait(false);
            case TransactionStep transaction:
                return await TransactionAsync(transaction, state).ConfigureAwait(false);
            case RedisStep redis:
                return await RedisAsync(redis, state).ConfigureAwait(false);
            case ModuleStep module:
                return await ModuleAsync(module, state).ConfigureAwait(false);
            case WsConnectStep connect:
                return await WsConnectAsync(connect, state).ConfigureAwait(false);
            case GrpcStep grpc:
                return await GrpcAsync(grpc, state).ConfigureAwait(false);
            case WsSendStep send:
                return await WsSendAsync(send, state).ConfigureAwait(false);
            case WsReceiveStep receive:
                return await WsReceiveAsync(receive, state).ConfigureAwait(false);
            case WsCloseStep close:
                return await WsCloseAsync(close, state).ConfigureAwait(false);
            case SetStep set:
                Set(set, state);
                return Flow.Next;
            default:
                return Flow.Next;
        }
    }

    private async Task PauseAsync(TimeSpan pause, CancellationToken abandon)
    {
        if (pause <= TimeSpan.Zero || _isOver()) return;
        await Task.Delay(pause, abandon).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async ValueTask<Flow> RequestAsync(RequestStep step, IterationState state)
    {
        var index = _requestIndex[step];
        var vars = state.User.Variables;
        var intended = state.TakeIntendedStart();
        if (!TryBuild(step, vars, out var uri, out var headers, out var body))
        {
            var now = Stopwatch.GetTimestamp();
            _recorder.Record(index, intended, now, now, ErrorKind.MissingVariable);
            state.Failed = true;
            return Flow.Next;
        }
        var (needBody, needHeaders) = _reads[index];
        var answer = await _http.SendAsync(step.Version ?? _version, vars.Vu, _methods[step], uri!, headers, body, _journey.Cookies ? state.User : null, needBody, needHeaders,
            step.Timeout ?? _timeout, state.Abandon).ConfigureAwait(false);
        if (answer.Abandoned)
        {
            _recorder.RecordAbandoned();
            return Flow.Abandoned;
        }
        var error = answer.TransportError;
        if (error is null)
        {
            var expected = step.IsExpected(answer.Status);
            if (!expected) error = ErrorKinds.ForStatus(answer.Status);
            if (step.Extract.Count > 0 || step.Checks.Count > 0)
            {
                using var view = new ResponseView(answer.Status, answer.Body ?? "", (IReadOnlyList<KeyValuePair<string, string>>?)answer.Headers ?? [],
                    Stopwatch.GetElapsedTime(answer.SentAt, answer.EndAt))
                {
                    Cookies = step.Extract.Any(e => e.Source == ExtractSource.Cookie) ? CookiesOf(answer, state.User.Jar, uri!) : Empty,
                };
                if (expected)
                {
                    foreach (var extractor in step.Extract)
                    {
                        var value = extractor.From(view);
                        if (value is null) error ??= ErrorKind.ExtractFailed;
                        else vars[_journey.Variables.SlotOf(extractor.Variable)] = value;
                    }
                }
                foreach (var check in step.Checks)
                {
                    var passed = check.Passes(view, vars);
                    _recorder.RecordCheck(_checkIndex[check.Name], passed);
                    if (!passed) error ??= ErrorKind.CheckFailed;
                }
            }
        }
        else
        {
            foreach (var check in step.Checks) _recorder.RecordCheck(_checkIndex[check.Name], false);
        }
        _recorder.Record(index, intended, answer.SentAt, answer.EndAt, error);
        if (error is not null) state.Failed = true;
        return Flow.Next;
    }

    /// <summary>Runs a step's extractors and checks on its answer (counting each check): the first failure's kind, or null.</summary>
    private ErrorKind? ExtractAndCheck(ResponseView view, IReadOnlyList<Extractor> extract, IReadOnlyList<Check> checks, UserVariables vars)
    {
        ErrorKind? error = null;
        foreach (var extractor in extract)
        {
            if (extractor.From(view) is { } value) vars[_journey.Variables.SlotOf(extractor.Variable)] = value;
            else error ??= ErrorKind.ExtractFailed;
        }
        foreach (var check in checks)
        {
            var passed = check.Passes(view, vars);
            _recorder.RecordCheck(_checkIndex[check.Name], passed);
            if (!passed) error ??= ErrorKind.CheckFailed;
        }
        return error;
    }

    private static readonly Dictionary<string, string> Empty = new();

    private static Dictionary<string, string> CookiesOf(HttpAnswer answer, CookieContainer? jar, Uri uri)
    {
        var cookies = new Dictionary<string, string>(StringComparer.Ordinal);
        if (jar is not null)
            foreach (Cookie c in jar.GetCookies(uri)) cookies[c.Name] = c.Value;
        if (answer.Headers is null) return cookies;
        foreach (var (name, value) in answer.Headers)
        {
            if (!name.Equals("Set-Cookie", StringComparison.OrdinalIgnoreCase)) continue;
            var pair = value.Split(';', 2)[0];
            var eq = pair.IndexOf('=');
            if (eq > 0) cookies[pair[..eq].Trim()] = pair[(eq + 1)..].Trim();
        }
        return cookies;
    }

    private bool TryBuild(RequestStep step, UserVariables vars, out Uri? uri, out List<KeyValuePair<string, string>> headers, out byte[]? body)
    {
        uri = null;
        body = null;
        headers = new List<KeyValuePair<string, string>>(step.Headers.Count);
        if (step.Path.Render(vars, out _) is not { } path) return false;
        foreach (var (name, template) in step.Headers)
        {
            if (template.Render(vars, out _) is not { } value) return false;
            headers.Add(new(name, value));
        }
        if (step.Body is not null)
        {
            if (step.Body.Render(vars, out _) is not { } text) return false;
            body = Encoding.UTF8.GetBytes(text);
        }
        uri = new Uri(_http.Target, path);
        return true;
    }

    public void Dispose()
    {
        CloseSockets();
        _http.Dispose();
        CloseDatabases();
        DisposeModules();
    }

    /// <summary>What one iteration carries from step to step.</summary>
    private sealed class IterationState(JourneyUser user, long? intendedStart, CancellationToken abandon)
    {
        private long? _intendedStart = intendedStart;

        public JourneyUser User { get; } = user;
        public CancellationToken Abandon { get; } = abandon;
        public bool Failed { get; set; }

        /// <summary>Inside a transaction step: its connection and transaction, and the first failure's kind.</summary>
        public OpenTransaction? Transaction { get; set; }

        /// <summary>The open model's intended start, for the iteration's first request only; null after.</summary>
        public long? TakeIntendedStart()
        {
            var value = _intendedStart;
            _intendedStart = null;
            return value;
        }
    }
}
