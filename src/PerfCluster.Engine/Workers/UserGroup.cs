using Akka.Actor;

namespace PerfCluster.Engine.Workers;

/// <summary>
/// The virtual users of one block of <see cref="Size"/> consecutive global user indices within a
/// share. The executor tells the group which indices should run (<see cref="RunRange"/>); the group
/// starts the missing users, stops the surplus after their current request, and takes a stop back
/// when a re-split returns an index before its user has ended. Users report their liveness through
/// the <see cref="ShareControl"/>, so the executor needs no message per user.
/// </summary>
public sealed class UserGroup : UntypedActor
{
    public const int Size = 1024;

    /// <summary>Global indices in [From, To) run; the others of this block stop.</summary>
    public sealed record RunRange(int From, int To);

    /// <summary>Every user of the group stops after its current request.</summary>
    public sealed class StopAll
    {
        public static readonly StopAll Instance = new();
        private StopAll() { }
    }

    private readonly ShareControl _share;
    private readonly int _first;
    private readonly VirtualUser?[] _users = new VirtualUser?[Size];
    private readonly WakeSignal _wake = new();

    public UserGroup(ShareControl share, int block)
    {
        _share = share;
        _first = block * Size;
    }

    public static Props Props(ShareControl share, int block) => Akka.Actor.Props.Create<UserGroup>(share, block);

    public static int BlockOf(int globalIndex) => globalIndex / Size;

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case RunRange range:
                Apply(range);
                break;
            case StopAll:
                StopEveryone();
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    // A group stopped with its executor must not leave loops behind.
    protected override void PostStop() => StopEveryone();

    private void Apply(RunRange range)
    {
        var stopped = false;
        for (var i = 0; i < Size; i++)
        {
            var index = _first + i;
            var user = _users[i];
            if (index >= range.From && index < range.To)
            {
                if (user is not null && user.TryResume()) continue;
                user = new VirtualUser(_share, _wake, index);
                _users[i] = user;
                user.Start();
            }
            else if (user is not null && user.RequestStop()) stopped = true;
        }
        if (stopped) _wake.Wake();
    }

    private void StopEveryone()
    {
        foreach (var user in _users) user?.RequestStop();
        _wake.Wake();
    }
}
