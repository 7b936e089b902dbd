namespace PerfCluster.Core.Metrics;

/// <summary>Why a request did not count as a success. Order is the wire order of error counters.</summary>
public enum ErrorKind
{
    /// <summary>TCP connection refused (nothing listening).</summary>
    Refused = 0,
    /// <summary>No response within the per-request timeout.</summary>
    Timeout = 1,
    /// <summary>Connection reset or closed mid-request.</summary>
    Reset = 2,
    /// <summary>HTTP 4xx that the endpoint did not expect.</summary>
    Http4xx = 3,
    /// <summary>HTTP 5xx that the endpoint did not expect.</summary>
    Http5xx = 4,
    /// <summary>Any other status the endpoint did not expect (1xx, 2xx or 3xx outside its expect list).</summary>
    UnexpectedStatus = 5,
    /// <summary>Anything else: a DNS failure, an exception no other kind names.</summary>
    Other = 6,
    /// <summary>A journey step's template named a variable this user has not set (yet); nothing was sent.</summary>
    MissingVariable = 7,
    /// <summary>A journey step's extractor found nothing in the answer.</summary>
    ExtractFailed = 8,
    /// <summary>A journey step's check failed on the answer.</summary>
    CheckFailed = 9,
    /// <summary>A unique feeder had no row left for the user (<c>on-exhausted = fail</c>); nothing was sent.</summary>
    FeederExhausted = 10,
    /// <summary>The answer was not valid HTTP: a status line, header or chunk that cannot be read.</summary>
    Protocol = 11,
    /// <summary>The answer's headers passed their limit, or its body <c>http.max-response-size</c>; the connection was dropped.</summary>
    TooLarge = 12,
    /// <summary>A database or cache could not be reached, or dropped the connection (SQLSTATE class 08, a refused socket).</summary>
    DbConnection = 13,
    /// <summary>A deadlock or serialisation failure (SQLSTATE 40001, 40P01; MySQL 1213, 1205; SQLite busy or locked): retryable contention.</summary>
    DbDeadlock = 14,
    /// <summary>An integrity constraint refused the statement (SQLSTATE class 23: unique, foreign key, not null, check).</summary>
    DbConstraint = 15,
    /// <summary>The statement is wrong for this database: syntax, an unknown table or column, no permission (SQLSTATE class 42).</summary>
    DbSyntax = 16,
    /// <summary>Any other error the database or cache answered with (its SQLSTATE class or Redis error is in the log).</summary>
    DbError = 17,
    /// <summary>A module's operation threw: the report's module section counts it by exception type.</summary>
    ModuleException = 18,
    /// <summary>The TLS handshake failed: a certificate that is not trusted (and not accepted by name), a name that does not match, no common protocol.</summary>
    Tls = 19,
    /// <summary>The server does not speak the HTTP version the step asked for (h2c to an HTTP/1.1-only server, ALPN that did not pick h2).</summary>
    HttpVersion = 20,
    /// <summary>A WebSocket closed while a step needed it: the server closed it, or the user's socket was never opened.</summary>
    WebSocketClosed = 21,
    /// <summary>A gRPC call ended with status CANCELLED (1).</summary>
    GrpcCancelled = 22,
    /// <summary>A gRPC call ended with status UNKNOWN (2).</summary>
    GrpcUnknown = 23,
    /// <summary>A gRPC call ended with status INVALID_ARGUMENT (3).</summary>
    GrpcInvalidArgument = 24,
    /// <summary>A gRPC call ended with status NOT_FOUND (5).</summary>
    GrpcNotFound = 25,
    /// <summary>A gRPC call ended with status ALREADY_EXISTS (6).</summary>
    GrpcAlreadyExists = 26,
    /// <summary>A gRPC call ended with status PERMISSION_DENIED (7).</summary>
    GrpcPermissionDenied = 27,
    /// <summary>A gRPC call ended with status RESOURCE_EXHAUSTED (8).</summary>
    GrpcResourceExhausted = 28,
    /// <summary>A gRPC call ended with status FAILED_PRECONDITION (9).</summary>
    GrpcFailedPrecondition = 29,
    /// <summary>A gRPC call ended with status ABORTED (10).</summary>
    GrpcAborted = 30,
    /// <summary>A gRPC call ended with status OUT_OF_RANGE (11).</summary>
    GrpcOutOfRange = 31,
    /// <summary>A gRPC call ended with status UNIMPLEMENTED (12).</summary>
    GrpcUnimplemented = 32,
    /// <summary>A gRPC call ended with status INTERNAL (13).</summary>
    GrpcInternal = 33,
    /// <summary>A gRPC call ended with status UNAVAILABLE (14).</summary>
    GrpcUnavailable = 34,
    /// <summary>A gRPC call ended with status DATA_LOSS (15).</summary>
    GrpcDataLoss = 35,
    /// <summary>A gRPC call ended with status UNAUTHENTICATED (16).</summary>
    GrpcUnauthenticated = 36,
    /// <summary>A gRPC step's rendered message does not fit its type (an unknown field, a wrong value); nothing was sent.</summary>
    BadMessage = 37,
}

public static class ErrorKinds
{
    public const int Count = 38;
    public static readonly ErrorKind[] All = Enum.GetValues<ErrorKind>();

    /// <summary>snake_case name used in reports and threshold expressions (e.g. "http_5xx").</summary>
    public static string Key(this ErrorKind kind) => kind switch
    {
        ErrorKind.Refused => "refused",
        ErrorKind.Timeout => "timeout",
        ErrorKind.Reset => "reset",
        ErrorKind.Http4xx => "http_4xx",
        ErrorKind.Http5xx => "http_5xx",
        ErrorKind.UnexpectedStatus => "unexpected_status",
        ErrorKind.MissingVariable => "missing_variable",
        ErrorKind.ExtractFailed => "extract_failed",
        ErrorKind.CheckFailed => "check_failed",
        ErrorKind.FeederExhausted => "feeder_exhausted",
        ErrorKind.Protocol => "protocol",
        ErrorKind.TooLarge => "response_too_large",
        ErrorKind.DbConnection => "db_connection",
        ErrorKind.DbDeadlock => "db_deadlock",
        ErrorKind.DbConstraint => "db_constraint",
        ErrorKind.DbSyntax => "db_syntax",
        ErrorKind.DbError => "db_error",
        ErrorKind.ModuleException => "module_exception",
        ErrorKind.Tls => "tls",
        ErrorKind.HttpVersion => "http_version",
        ErrorKind.WebSocketClosed => "ws_closed",
        ErrorKind.GrpcCancelled => "grpc_cancelled",
        ErrorKind.GrpcUnknown => "grpc_unknown",
        ErrorKind.GrpcInvalidArgument => "grpc_invalid_argument",
        ErrorKind.GrpcNotFound => "grpc_not_found",
        ErrorKind.GrpcAlreadyExists => "grpc_already_exists",
        ErrorKind.GrpcPermissionDenied => "grpc_permission_denied",
        ErrorKind.GrpcResourceExhausted => "grpc_resource_exhausted",
        ErrorKind.GrpcFailedPrecondition => "grpc_failed_precondition",
        ErrorKind.GrpcAborted => "grpc_aborted",
        ErrorKind.GrpcOutOfRange => "grpc_out_of_range",
        ErrorKind.GrpcUnimplemented => "grpc_unimplemented",
        ErrorKind.GrpcInternal => "grpc_internal",
        ErrorKind.GrpcUnavailable => "grpc_unavailable",
        ErrorKind.GrpcDataLoss => "grpc_data_loss",
        ErrorKind.GrpcUnauthenticated => "grpc_unauthenticated",
        ErrorKind.BadMessage => "bad_message",
        _ => "other",
    };

    /// <summary>The kind of a gRPC status other than OK: its own, except DEADLINE_EXCEEDED, which is a <c>timeout</c>.</summary>
    public static ErrorKind ForGrpcCode(int code) => code switch
    {
        4 => ErrorKind.Timeout,
        1 => ErrorKind.GrpcCancelled,
        2 => ErrorKind.GrpcUnknown,
        3 => ErrorKind.GrpcInvalidArgument,
        5 => ErrorKind.GrpcNotFound,
        6 => ErrorKind.GrpcAlreadyExists,
        7 => ErrorKind.GrpcPermissionDenied,
        8 => ErrorKind.GrpcResourceExhausted,
        9 => ErrorKind.GrpcFailedPrecondition,
        10 => ErrorKind.GrpcAborted,
        11 => ErrorKind.GrpcOutOfRange,
        12 => ErrorKind.GrpcUnimplemented,
        13 => ErrorKind.GrpcInternal,
        14 => ErrorKind.GrpcUnavailable,
        15 => ErrorKind.GrpcDataLoss,
        16 => ErrorKind.GrpcUnauthenticated,
        _ => ErrorKind.Other,
    };

    public static ErrorKind ForStatus(int status) => status switch
    {
        >= 400 and < 500 => ErrorKind.Http4xx,
        >= 500 and < 600 => ErrorKind.Http5xx,
        _ => ErrorKind.UnexpectedStatus,
    };
}
