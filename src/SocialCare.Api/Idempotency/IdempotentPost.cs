using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using SocialCare.Api.Authorization;
using SocialCare.Api.EventLog;
using SocialCare.Api.Infrastructure.Database;
using SocialCare.Api.Infrastructure.Problems;

namespace SocialCare.Api.Idempotency;

/// <summary>A request body an endpoint reads itself rather than through the binder: its bytes make part of the
/// <c>Idempotency-Key</c>'s fingerprint.</summary>
public interface IRawRequestBody
{
    ReadOnlyMemory<byte> Body { get; }
}

internal sealed class IdempotentPostFilter(NpgsqlDataSource dataSource, IdempotencyKeys keys) : IEndpointFilter
{
    public const string Header = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";
    public const int MaxKeyLength = 255;

    private static readonly object Unrecorded = new();

    /// <summary>
    /// Keeps this success from being stored under its key: a batch some of whose items failed for the hub's own reasons
    /// (the database away) answers 200 with each item's outcome, and a retry with the same key must try those items
    /// again rather than replay their failure. The key is free again once the request ends.
    /// </summary>
    public static void LeaveUnrecorded(HttpContext http) => http.Items[Unrecorded] = true;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        string? header = http.Request.Headers[Header];
        if (string.IsNullOrWhiteSpace(header))
        {
            return await next(context);
        }

        if (header.Trim().Length > MaxKeyLength)
        {
            return Problem.Of(
                StatusCodes.Status400BadRequest,
                ProblemCodes.BadRequest,
                "Invalid Idempotency-Key",
                $"An Idempotency-Key is at most {MaxKeyLength} characters."
            );
        }

        var key = new IdempotencyKey(
            http.User.RequiredWorkspaceId(),
            http.User.KeyId()!,
            header.Trim(),
            Fingerprint(http.Request.Method, http.Request.Path, context.Arguments)
        );
        using var buffer = new MemoryStream();
        await using (var transaction = await AmbientTransaction.BeginAsync(dataSource, http.RequestAborted))
        {
            var (taken, answer) = await keys.TakeAsync(transaction, key, http.RequestAborted);
            if (!taken)
            {
                return InUse(key);
            }

            if (answer is not null)
            {
                return Replay(http, key, answer);
            }

            if (await RunAndRecordAsync(context, next, transaction, key, buffer) is { } lost)
            {
                return lost;
            }
        }

        // Only now, with the connection back in the pool, does the answer go to the client.
        buffer.Position = 0;
        await buffer.CopyToAsync(http.Response.Body, http.RequestAborted);
        return Results.Empty;
    }

    /// <summary>
    /// Runs the endpoint in <paramref name="transaction"/>, its answer written to <paramref name="buffer"/>, and
    /// commits with the answer recorded if it is a success; otherwise the transaction rolls back, effect and all.
    /// Returns a problem when the key turned out to be taken after all.
    /// </summary>
    private async Task<ProblemHttpResult?> RunAndRecordAsync(
        EndpointFilterInvocationContext context,
        EndpointFilterDelegate next,
        AmbientTransaction transaction,
        IdempotencyKey key,
        MemoryStream buffer
    )
    {
        var http = context.HttpContext;
        transaction.Enter();
        var original = http.Response.Body;
        http.Response.Body = buffer;
        try
        {
            switch (await next(context))
            {
                case IResult result:
                    await result.ExecuteAsync(http);
                    break;
                case { } value:
                    await TypedResults.Ok(value).ExecuteAsync(http);
                    break;
            }
        }
        finally
        {
            http.Response.Body = original;
        }

        if (http.Response.StatusCode is < 200 or >= 300 || http.Items.ContainsKey(Unrecorded))
        {
            return null;
        }

        var location = http.Response.Headers.Location.ToString() is { Length: > 0 } l ? l : null;
        var etag = http.Response.Headers.ETag.ToString() is { Length: > 0 } t ? t : null;
        try
        {
            // Not the request's token: once the effect is done, a client that hung up must not turn the commit into a
            // rollback halfway; either way its retry finds the key free or answered.
            await transaction.CommitAsync(
                keys.Record(
                    key,
                    http.Response.StatusCode,
                    Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length),
                    location,
                    etag,
                    http.GetRouteValue("id") is string id && Guid.TryParse(id, out var subject) ? subject : null
                ),
                CancellationToken.None
            );
            return null;
        }
        catch (PostgresException e)
            when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.TableName == IdempotencyKeys.Table)
        {
            // A request of an older hub (which took keys without this lock) recorded the key meanwhile.
            http.Response.Headers.Location = default;
            http.Response.Headers.ETag = default;
            return InUse(key);
        }
    }

    /// <summary>The route, every bound request body, and the bytes of a body the endpoint reads itself
    /// (<see cref="IRawRequestBody"/>): the same key with another request must not replay.</summary>
    internal static byte[] Fingerprint(string method, string path, IList<object?> arguments)
    {
        var bodies = arguments.Where(a =>
            a is not null
            && a.GetType().Namespace?.StartsWith("SocialCare.Api", StringComparison.Ordinal) == true
            && a.GetType().Name.EndsWith("Request", StringComparison.Ordinal)
        );
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(
            Encoding.UTF8.GetBytes($"{method} {path}\n{JsonSerializer.Serialize(bodies, EventTypeRegistry.Json)}")
        );
        foreach (var raw in arguments.OfType<IRawRequestBody>())
        {
            hash.AppendData(raw.Body.Span);
        }

        return hash.GetHashAndReset();
    }

    private static ProblemHttpResult InUse(IdempotencyKey key) =>
        Problem.Of(
            StatusCodes.Status409Conflict,
            ProblemCodes.IdempotencyKeyInUse,
            "A request with this Idempotency-Key is still running",
            $"Another request with Idempotency-Key '{key.Key}' has not finished; retry once it has."
        );

    private static IResult Replay(HttpContext http, IdempotencyKey key, RecordedAnswer answer)
    {
        if (!answer.RequestHash.AsSpan().SequenceEqual(key.RequestHash))
        {
            return Problem.Of(
                StatusCodes.Status422UnprocessableEntity,
                ProblemCodes.IdempotencyKeyReused,
                "Idempotency-Key reused",
                $"The Idempotency-Key '{key.Key}' was used before with a different request."
            );
        }

        http.Response.Headers[ReplayedHeader] = "true";
        if (answer.Location is not null)
        {
            http.Response.Headers.Location = answer.Location;
        }

        if (answer.ETag is not null)
        {
            http.Response.Headers.ETag = answer.ETag;
        }

        return Results.Content(answer.Body, "application/json", Encoding.UTF8, answer.Status);
    }
}
