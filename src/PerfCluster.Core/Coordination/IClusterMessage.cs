namespace PerfCluster.Core.Coordination;

/// <summary>
/// Marks every message that crosses nodes. The node configuration binds this interface to one
/// serializer, and a round-trip spec covers every implementing type.
/// </summary>
public interface IClusterMessage;
