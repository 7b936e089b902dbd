using Akka.Actor;
using Akka.Persistence;
using PerfCluster.Core.Optimisation;
using PerfCluster.Engine.Persistence;

namespace PerfCluster.Engine.Optimisation;

public static class StudyJournalEvents
{
    /// <summary>A study started afresh: the trials before it belong to an earlier study of the same name.</summary>
    public sealed record StudyBegun(string Study, string DefinitionHash, DateTimeOffset At) : IPersistedPayload;

    /// <summary>One finished trial, written the moment it finished.</summary>
    public sealed record TrialRecorded(string Study, TrialRecord Trial) : IPersistedPayload;
}

public static class StudyJournalProtocol
{
    public sealed record BeginStudy(string DefinitionHash, DateTimeOffset At);

    /// <summary>Store a finished trial (a trial number stored already is acknowledged without a second event).</summary>
    public sealed record RecordTrial(TrialRecord Trial);

    public sealed record Recorded(int Number);

    public sealed record GetStudy
    {
        public static readonly GetStudy Instance = new();
        private GetStudy() { }
    }

    /// <summary>The current study's definition hash (null when none was begun) and its trials in order.</summary>
    public sealed record Study(string Name, string? DefinitionHash, DateTimeOffset? BegunAt, IReadOnlyList<TrialRecord> Trials);
}

/// <summary>
/// The trials of one optimisation study (persistence id "optimisation-NAME"), one event per finished trial, so
/// <c>perfcluster optimize --resume</c> continues from what a crash or an interrupt left: no finished trial is lost and none
/// is run again. Starting the study afresh writes <see cref="StudyJournalEvents.StudyBegun"/>; the trials before it are history.
/// </summary>
public sealed class StudyJournal : ReceivePersistentActor
{
    private readonly string _study;
    private readonly List<TrialRecord> _trials = new();
    private string? _hash;
    private DateTimeOffset? _begunAt;

    public StudyJournal(string study)
    {
        _study = study;
        Recover<StudyJournalEvents.StudyBegun>(Apply);
        Recover<StudyJournalEvents.TrialRecorded>(Apply);
        Command<StudyJournalProtocol.BeginStudy>(b =>
            Persist(new StudyJournalEvents.StudyBegun(_study, b.DefinitionHash, b.At), e =>
            {
                Apply(e);
                Sender.Tell(new StudyJournalProtocol.Recorded(0));
            }));
        Command<StudyJournalProtocol.RecordTrial>(r =>
        {
            if (_trials.Any(t => t.Number == r.Trial.Number))
            {
                Sender.Tell(new StudyJournalProtocol.Recorded(r.Trial.Number));
                return;
            }
            Persist(new StudyJournalEvents.TrialRecorded(_study, r.Trial), e =>
            {
                Apply(e);
                Sender.Tell(new StudyJournalProtocol.Recorded(e.Trial.Number));
            });
        });
        Command<StudyJournalProtocol.GetStudy>(_ => Sender.Tell(new StudyJournalProtocol.Study(_study, _hash, _begunAt, _trials.ToList())));
        Command<StoreProtocol.Retire>(_ => Context.Stop(Self));
    }

    private void Apply(StudyJournalEvents.StudyBegun e)
    {
        _trials.Clear();
        _hash = e.DefinitionHash;
        _begunAt = e.At;
    }

    private void Apply(StudyJournalEvents.TrialRecorded e) => _trials.Add(e.Trial);

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        Sender.Tell(new Status.Failure(new StoreException($"the trial could not be stored: {cause.GetBaseException().Message}")));
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    public static string PersistenceIdOf(string study) => "optimisation-" + study;

    public override string PersistenceId => PersistenceIdOf(_study);

    public static Props Props(string study) => Akka.Actor.Props.Create(() => new StudyJournal(study));
}
