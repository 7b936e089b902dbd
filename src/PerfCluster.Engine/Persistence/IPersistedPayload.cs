namespace PerfCluster.Engine.Persistence;

/// <summary>
/// Marks every event and snapshot a PerfCluster persistent actor stores. reference.conf binds this interface to
/// <c>Stores.PersistenceSerializer</c>, so nothing persisted ever falls back to a serializer that writes CLR type names.
/// </summary>
public interface IPersistedPayload;
