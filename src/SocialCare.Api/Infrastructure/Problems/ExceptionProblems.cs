using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace SocialCare.Api.Infrastructure.Problems;

/// <summary>
/// Turns exceptions into problems. Bad input (malformed JSON, wrong media type, an oversized body) is the client's
/// fault and answers 4xx, as does a NUL character PostgreSQL refuses to store; a unique violation that slipped past a
/// check, a deadlock or a serialization failure answers 409; PostgreSQL unreachable, restarting or out of connections
/// answers 503 with <c>Retry-After</c>;
/// anything else is our fault: 500, logged, with no internals in the body.
/// </summary>
public sealed partial class ExceptionProblems(ILogger<ExceptionProblems> logger, NpgsqlDataSource dataSource)
{
    /// <summary>SQLSTATE class 22, data exception: the errors a value itself causes.</summary>
    private const string DataExceptionClass = "22";

    /// <summary>How long a client is asked to wait after a 503: about what a PostgreSQL restart or a fail-over to a
    /// standby takes.</summary>
    public const int RetryAfterSeconds = 2;

    /// <summary>Asks the client of a 503 to wait <see cref="RetryAfterSeconds"/> before it retries.</summary>
    public static void AskToRetryLater(HttpResponse response) =>
        response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The problem <paramref name="exception"/> answers, with what it implies: a value PostgreSQL refused, or an outage,
    /// empties the connection pool; an unknown failure is logged. Also used for each item of a batch, which fails alone.
    /// </summary>
    public ProblemDetails Describe(HttpRequest request, Exception exception)
    {
        if (
            exception is PostgresException { SqlState: var state } refused
            && state.StartsWith(DataExceptionClass, StringComparison.Ordinal)
        )
        {
            // The last line behind StorableInputMiddleware: a value PostgreSQL refused may have been refused at Bind,
            // which leaves Npgsql's auto-prepared statement unusable on that connection (see StorableValues). Closing
            // the pool's connections means none of them serves another request.
            dataSource.Clear();
            LogRefusedValue(logger, refused, request.Method, request.Path);
        }

        var problem = exception switch
        {
            BadHttpRequestException { InnerException: JsonException json } => MalformedJson(json),
            BadHttpRequestException when HasNoBody(request) => Problem.Details(
                StatusCodes.Status400BadRequest,
                ProblemCodes.BadRequest,
                "A request body is required",
                "Send a JSON request body."
            ),
            BadHttpRequestException bad => Problem.Details(
                bad.StatusCode,
                ProblemCodes.ForStatus(bad.StatusCode),
                TitleFor(bad.StatusCode),
                bad.Message
            ),
            // PostgreSQL stores no NUL character, in text or in jsonb: whichever field carried one, it is bad input.
            PostgresException
            {
                SqlState: PostgresErrorCodes.CharacterNotInRepertoire or PostgresErrorCodes.UntranslatableCharacter
            } => Problem.Details(
                StatusCodes.Status400BadRequest,
                ProblemCodes.UnsupportedCharacter,
                "Unsupported character",
                "Text and JSON values may not contain the NUL character (U+0000)."
            ),
            PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } => Problem.Details(
                StatusCodes.Status409Conflict,
                ProblemCodes.Conflict,
                "Conflict",
                "The resource already exists or was changed concurrently; fetch it and retry."
            ),
            // Another request held what this one needed (a deadlock, a serialization failure, a lock not granted): the
            // database is there, the request lost a race. Nothing took effect.
            _ when IsLostRace(exception) => Problem.Details(
                StatusCodes.Status409Conflict,
                ProblemCodes.Conflict,
                "Conflict",
                "A concurrent change to the same data won; nothing took effect. Retry the request."
            ),
            IHasProblem known => known.Problem,
            _ when IsOutage(exception) => Problem.Details(
                StatusCodes.Status503ServiceUnavailable,
                ProblemCodes.ServiceUnavailable,
                "Service unavailable",
                "The hub cannot reach its database for the moment. Retry after the time Retry-After gives; the "
                    + "request may or may not have taken effect, and a retry with the same Idempotency-Key (or the "
                    + "same platform message id) takes effect once."
            ),
            _ => null,
        };
        if (problem is null)
        {
            LogUnhandled(logger, exception, request.Method, request.Path);
            return Problem.Details(
                StatusCodes.Status500InternalServerError,
                ProblemCodes.InternalError,
                "Internal error",
                "The hub failed to process the request. It has been logged; retry later."
            );
        }

        if (problem.Status == StatusCodes.Status503ServiceUnavailable)
        {
            // The pool's idle connections went with the database: none of them serves a request once it is back.
            dataSource.Clear();
            LogOutage(logger, request.Method, exception.GetType().Name, exception.Message);
        }

        return problem;
    }

    /// <summary>
    /// PostgreSQL is down, restarting, failing over or out of connections, possibly wrapped by Marten: Npgsql says so
    /// (<c>IsTransient</c> on a failure of the connection itself: broken, refused, timed out), or PostgreSQL does (a
    /// connection error, an administrator's or a crash's shutdown, "the database system is starting up", too many
    /// connections). PostgreSQL's other transient errors (a deadlock, a serialization failure) are lost races
    /// (<see cref="IsLostRace"/>), not outages: the pool is not cleared for them.
    /// </summary>
    private static bool IsOutage(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (
                e is NpgsqlException { IsTransient: true } and not PostgresException
                || e
                    is PostgresException
                    {
                        SqlState: PostgresErrorCodes.AdminShutdown
                            or PostgresErrorCodes.CrashShutdown
                            or PostgresErrorCodes.CannotConnectNow
                            or PostgresErrorCodes.TooManyConnections
                    }
                || e is PostgresException { SqlState: var state } && state.StartsWith("08", StringComparison.Ordinal)
            )
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsLostRace(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (
                e is PostgresException
                {
                    SqlState: PostgresErrorCodes.DeadlockDetected
                        or PostgresErrorCodes.SerializationFailure
                        or PostgresErrorCodes.LockNotAvailable
                }
            )
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasNoBody(HttpRequest request) =>
        request.ContentLength == 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count == 0);

    /// <summary>A body (or a batch's item) the JSON reader or binder refused, saying where.</summary>
    internal static ProblemDetails MalformedJson(JsonException json) =>
        Problem.Details(
            StatusCodes.Status400BadRequest,
            ProblemCodes.MalformedJson,
            "The request body is not valid JSON",
            DescribeJsonError(json)
        );

    private static string DescribeJsonError(JsonException json) =>
        json.Path is null
            ? json.Message
            : $"Invalid JSON at {json.Path} (line {json.LineNumber + 1}, byte {json.BytePositionInLine}).";

    private static string TitleFor(int status) =>
        status switch
        {
            StatusCodes.Status413PayloadTooLarge => "The request body is too large",
            StatusCodes.Status415UnsupportedMediaType => "Unsupported media type",
            _ => "Bad request",
        };

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "PostgreSQL refused a value of {Method} {Path} that the boundary let through; the "
            + "connection pool was cleared"
    )]
    private static partial void LogRefusedValue(ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "A {Method} request answered 503: the database is unreachable ({Exception}: {Reason})"
    )]
    private static partial void LogOutage(ILogger logger, string method, string exception, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception on {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path);
}
