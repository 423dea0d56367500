using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Npgsql;
using SocialCare.Api.Authorization;
using SocialCare.Api.Infrastructure.EventStore;
using SocialCare.Api.Infrastructure.Problems;

namespace SocialCare.Api.Infrastructure.Idempotency;

public static class IdempotentPostExtensions
{
    /// <summary>
    /// Honours <c>Idempotency-Key</c> on a POST that creates or changes something outside a conversation (a channel, a
    /// subscription, a secret rotation …), as Stripe does: the first answer (2xx) is stored and replayed for the same key
    /// with <c>Idempotent-Replayed: true</c>; the same key with another request is a 422; while the first is still
    /// running, a 409. A failed request stores nothing, so it can be retried with its key.
    /// </summary>
    public static RouteHandlerBuilder Idempotent(this RouteHandlerBuilder builder) => builder.AddEndpointFilter<IdempotentPostFilter>();
}

internal sealed class IdempotentPostFilter(NpgsqlDataSource dataSource) : IEndpointFilter
{
    public const string Header = "Idempotency-Key";
    private const int MaxKeyLength = 255;

    /// <summary>A request still running under its key for longer than this has died; its key may be taken over.</summary>
    private static readonly TimeSpan Abandoned = TimeSpan.FromMinutes(1);

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        string? key = http.Request.Headers[Header];
        if (string.IsNullOrWhiteSpace(key))
        {
            return await next(context);
        }

        key = key.Trim();
        if (key.Length > MaxKeyLength)
        {
            return Problem.Of(StatusCodes.Status400BadRequest, ProblemCodes.BadRequest, "Invalid Idempotency-Key", $"An Idempotency-Key is at most {MaxKeyLength} characters.");
        }

        var (workspaceId, keyId) = (http.User.RequiredWorkspaceId(), http.User.KeyId()!);
        var hash = Fingerprint(http, context.Arguments);
        var ct = http.RequestAborted;
        if (!await ClaimAsync(workspaceId, keyId, key, hash, ct))
        {
            return await ReplayAsync(http, workspaceId, keyId, key, hash, ct);
        }

        var original = http.Response.Body;
        using var buffer = new MemoryStream();
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
        catch
        {
            await ReleaseAsync(workspaceId, keyId, key);
            throw;
        }
        finally
        {
            http.Response.Body = original;
        }

        if (http.Response.StatusCode is >= 200 and < 300)
        {
            await RecordAsync(workspaceId, keyId, key, http.Response.StatusCode, Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length),
                http.Response.Headers.Location.ToString() is { Length: > 0 } location ? location : null);
        }
        else
        {
            await ReleaseAsync(workspaceId, keyId, key);
        }

        buffer.Position = 0;
        await buffer.CopyToAsync(original, ct);
        return Results.Empty;
    }

    /// <summary>The route and every bound request body: the same key with another request must not replay.</summary>
    private static byte[] Fingerprint(HttpContext http, IList<object?> arguments)
    {
        var bodies = arguments.Where(a => a is not null && a.GetType().Namespace?.StartsWith("SocialCare.Api", StringComparison.Ordinal) == true
            && a.GetType().Name.EndsWith("Request", StringComparison.Ordinal));
        return SHA256.HashData(Encoding.UTF8.GetBytes($"{http.Request.Method} {http.Request.Path}\n{JsonSerializer.Serialize(bodies, EventTypeRegistry.Json)}"));
    }

    /// <summary>Takes the key for this request: a new key, or one whose request died while running.</summary>
    private async Task<bool> ClaimAsync(Guid workspaceId, string keyId, string key, byte[] hash, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            insert into idempotency_keys (workspace_id, api_key_id, key, request_hash, status, body) values ($1, $2, $3, $4, 0, '')
            on conflict (workspace_id, api_key_id, key) do update set request_hash = excluded.request_hash, created_at = now()
                where idempotency_keys.status = 0 and idempotency_keys.created_at < now() - $5::interval
            returning 1
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
        command.Parameters.Add(new NpgsqlParameter { Value = keyId });
        command.Parameters.Add(new NpgsqlParameter { Value = key });
        command.Parameters.Add(new NpgsqlParameter { Value = hash });
        command.Parameters.Add(new NpgsqlParameter { Value = Abandoned });
        return await command.ExecuteScalarAsync(ct) is not null;
    }

    private async Task<IResult> ReplayAsync(HttpContext http, Guid workspaceId, string keyId, string key, byte[] hash, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            "select request_hash, status, body, location from idempotency_keys where workspace_id = $1 and api_key_id = $2 and key = $3");
        command.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
        command.Parameters.Add(new NpgsqlParameter { Value = keyId });
        command.Parameters.Add(new NpgsqlParameter { Value = key });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return Problem.Of(StatusCodes.Status409Conflict, ProblemCodes.Conflict, "Try again", $"The request with Idempotency-Key '{key}' just ended without an answer; send it again.");
        }

        if (!reader.GetFieldValue<byte[]>(0).AsSpan().SequenceEqual(hash))
        {
            return Problem.Of(StatusCodes.Status422UnprocessableEntity, ProblemCodes.IdempotencyKeyReused, "Idempotency-Key reused",
                $"The Idempotency-Key '{key}' was used before with a different request.");
        }

        if (reader.GetInt32(1) == 0)
        {
            return Problem.Of(StatusCodes.Status409Conflict, ProblemCodes.IdempotencyKeyInUse, "A request with this Idempotency-Key is still running",
                $"Another request with Idempotency-Key '{key}' has not finished; retry once it has.");
        }

        http.Response.Headers["Idempotent-Replayed"] = "true";
        if (!reader.IsDBNull(3))
        {
            http.Response.Headers.Location = reader.GetString(3);
        }

        return Results.Content(reader.GetString(2), "application/json", Encoding.UTF8, reader.GetInt32(1));
    }

    private async Task RecordAsync(Guid workspaceId, string keyId, string key, int status, string body, string? location)
    {
        await using var command = dataSource.CreateCommand(
            "update idempotency_keys set status = $4, body = $5, location = $6 where workspace_id = $1 and api_key_id = $2 and key = $3");
        command.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
        command.Parameters.Add(new NpgsqlParameter { Value = keyId });
        command.Parameters.Add(new NpgsqlParameter { Value = key });
        command.Parameters.Add(new NpgsqlParameter { Value = status });
        command.Parameters.Add(new NpgsqlParameter { Value = body });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = location });
        await command.ExecuteNonQueryAsync(CancellationToken.None);
    }

    /// <summary>The request failed: its key is free again, so the client's retry with it runs.</summary>
    private async Task ReleaseAsync(Guid workspaceId, string keyId, string key)
    {
        await using var command = dataSource.CreateCommand("delete from idempotency_keys where workspace_id = $1 and api_key_id = $2 and key = $3 and status = 0");
        command.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
        command.Parameters.Add(new NpgsqlParameter { Value = keyId });
        command.Parameters.Add(new NpgsqlParameter { Value = key });
        await command.ExecuteNonQueryAsync(CancellationToken.None);
    }
}
