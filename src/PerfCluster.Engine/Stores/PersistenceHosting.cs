using Akka.Actor;
using Akka.Hosting;
using Akka.Pattern;
using PerfCluster.Engine.Baselines;
using PerfCluster.Engine.History;
using PerfCluster.Engine.Schedules;
using PerfCluster.Engine.Persistence;

namespace PerfCluster.Engine.Stores;

public static class PersistenceHosting
{
    /// <summary>How soon a store actor that stopped (a failed write or recovery) is started again, doubling up to the maximum.</summary>
    public static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(200);
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The SQL journal and snapshot store (SQLite or PostgreSQL, tables created on first use) and the store actors,
    /// <see cref="BaselineLibrary"/>, <see cref="RunHistory"/> and <see cref="ScheduleBook"/>, registered for
    /// <see cref="PerfClusterStore.Attach"/>.
    /// Creates the SQLite data directory; throws <see cref="StoreException"/> if it cannot.
    /// </summary>
    public static AkkaConfigurationBuilder AddPerfClusterPersistence(this AkkaConfigurationBuilder builder, PersistenceSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        StoreProbe.EnsureDataDirectory(settings);
        return builder
            .AddHocon(settings.ToAkkaConfig(), HoconAddMode.Prepend)
            .WithActors((system, registry) => StartActors(system, registry, settings));
    }

    /// <summary>Starts the store actors, each under a back-off supervisor, and registers them.</summary>
    internal static void StartActors(ActorSystem system, IActorRegistry registry, PersistenceSettings settings)
    {
        StoreLock.Register(system, StoreLock.For(settings));
        registry.Register<BaselineLibraryKey>(system.ActorOf(
            Supervised(BaselineLibrary.Props(settings.SnapshotEvery), "the baseline library"), BaselineLibrary.ActorName));
        registry.Register<RunHistoryKey>(system.ActorOf(
            Supervised(RunHistory.Props(settings.SnapshotEvery), "the run history"), RunHistory.ActorName));
        registry.Register<ScheduleBookKey>(system.ActorOf(
            Supervised(ScheduleBook.Props(settings.SnapshotEvery), "the schedule book"), ScheduleBook.ActorName));
    }

    /// <summary>
    /// Akka.Persistence stops an actor whose write failed; the supervisor starts it again after a back-off (it then
    /// recovers from the store) and, meanwhile, answers every command with a failure instead of leaving it unanswered.
    /// </summary>
    private static Props Supervised(Props child, string what) => BackoffSupervisor.Props(
        Backoff.OnStop(child, "store", MinBackoff, MaxBackoff, 0.2, maxNrOfRetries: -1)
            .WithReplyWhileStopped(new Status.Failure(new StoreException($"{what} is restarting after a storage failure; try again shortly"))));
}
