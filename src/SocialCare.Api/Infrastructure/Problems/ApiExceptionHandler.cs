using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Npgsql;

namespace SocialCare.Api.Infrastructure.Problems;

/// <summary>
/// Turns exceptions into problems. Bad input (malformed JSON, wrong media type, an oversized body) is the client's
/// fault and answers 4xx, as does a NUL character PostgreSQL refuses to store; a unique violation that slipped past a
/// check answers 409; anything else is our fault: 500, logged, with no internals in the body.
/// </summary>
internal sealed partial class ApiExceptionHandler(ILogger<ApiExceptionHandler> logger, NpgsqlDataSource dataSource)
    : IExceptionHandler
{
    /// <summary>SQLSTATE class 22, data exception: the errors a value itself causes.</summary>
    private const string DataExceptionClass = "22";

    public async ValueTask<bool> TryHandleAsync(
        HttpContext context,
        Exception exception,
        CancellationToken cancellationToken
    )
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
            LogRefusedValue(logger, refused, context.Request.Method, context.Request.Path);
        }

        var problem = exception switch
        {
            BadHttpRequestException { InnerException: JsonException json } => Problem.Details(
                StatusCodes.Status400BadRequest,
                ProblemCodes.MalformedJson,
                "The request body is not valid JSON",
                DescribeJsonError(json)
            ),
            BadHttpRequestException when HasNoBody(context.Request) => Problem.Details(
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
            IHasProblem known => known.Problem,
            _ => null,
        };
        if (problem is null)
        {
            LogUnhandled(logger, exception, context.Request.Method, context.Request.Path);
            problem = Problem.Details(
                StatusCodes.Status500InternalServerError,
                ProblemCodes.InternalError,
                "Internal error",
                "The hub failed to process the request. It has been logged; retry later."
            );
        }

        if (context.Response.HasStarted)
        {
            return false;
        }

        await Problem.WriteAsync(context, problem);
        return true;
    }

    private static bool HasNoBody(HttpRequest request) =>
        request.ContentLength == 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count == 0);

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

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception on {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path);
}
