using PerfCluster.Core.Metrics;
using static PerfCluster.Engine.Protocol.RunProtocol;
using PerfCluster.Core.Results;

namespace PerfCluster.Api;

/// <summary>Where a run is in its life. Queued: waiting for workers; the last three are final.</summary>
public enum RunState { Queued, Running, Completed, Interrupted, Failed }

public static class RunStates
{
    public static bool IsFinal(this RunState state) => state is RunState.Completed or RunState.Interrupted or RunState.Failed;
}

/// <summary>201 answer to <c>POST /api/runs</c>.</summary>
public sealed record RunCreated(string Id, IReadOnlyList<string> Scenarios, RunState State);

/// <summary>What one scenario of a run measured, once it is done.</summary>
public sealed record ScenarioResult(
    string Scenario, ScenarioStatistics Statistics, bool Interrupted, string? Reason, IReadOnlyList<string> Notes);

/// <summary>One row of <c>GET /api/runs</c>.</summary>
public sealed record RunSummary(
    string Id,
    RunState State,
    IReadOnlyList<string> Scenarios,
    string? CurrentScenario,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    RunProgress? Progress,
    string? Error);

/// <summary><c>GET /api/runs/{id}</c>: the summary plus the current split and every finished scenario.</summary>
public sealed record RunDetail(
    string Id,
    RunState State,
    string FileName,
    IReadOnlyList<string> Scenarios,
    string? CurrentScenario,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    bool StopRequested,
    RunStarted? Started,
    RunProgress? Progress,
    SharesAssigned? Shares,
    IReadOnlyList<ScenarioResult> Results,
    IReadOnlyList<string> Notes,
    string? Error);

/// <summary>Data of the final <c>run-completed</c> / <c>run-failed</c> event.</summary>
public sealed record RunEnded(string Id, RunState State, DateTimeOffset FinishedAt, IReadOnlyList<string> Notes, string? Error);

/// <summary>A worker's part of one running run, as shown beside the cluster member.</summary>
public sealed record MemberShare(string RunId, string Scenario, int From, int To, int Users);

/// <summary>One row of <c>GET /api/cluster/members</c>.</summary>
public sealed record ClusterMember(
    string Address,
    IReadOnlyList<string> Roles,
    string Status,
    bool Reachable,
    bool Leader,
    bool Self,
    IReadOnlyList<MemberShare> Shares);

/// <summary>Body of <c>POST /api/cluster/leave</c> and <c>/down</c>.</summary>
public sealed record AddressRequest(string? Address);

/// <summary>Answer to leave, down and down-unreachable: what was asked of which members.</summary>
public sealed record ClusterActionResult(string Action, IReadOnlyList<string> Addresses);

/// <summary>One member event of <c>GET /api/cluster/events</c>; <see cref="Event"/> is also the SSE event name.</summary>
public sealed record ClusterMemberEvent(string Event, string Address, IReadOnlyList<string> Roles, string Status, DateTimeOffset At);
