using System.Text.Json;
using SocialCare.Api.Channels.Replies;
using SocialCare.Api.Engagements;
using SocialCare.Api.Infrastructure.Problems;
using SocialCare.Contracts;

namespace SocialCare.Api.Channels.Hooks;

/// <summary>What the hub took from one platform webhook.</summary>
public sealed record HookReceipt(int Engagements, int Duplicates, int Statuses, int Ignored);

/// <summary>
/// The platforms' webhooks: <c>/v1/hooks/{type}/{channelAccountId}</c>. No API key — the platform's signature over the
/// exact bytes received, checked with the account's own secret, is the credential, and nothing is parsed before it
/// holds. The answer (200) comes after everything in the payload is committed, so a platform that got no 200 sends it
/// again, and a payload sent again changes nothing (engagements dedupe on the platform's message id, statuses only move
/// forward).
/// </summary>
public static partial class HooksApi
{
    public const string VerifyName = "VerifyPlatformWebhook";
    public const string ReceiveName = "ReceivePlatformWebhook";

    public static IEndpointRouteBuilder MapHooks(this IEndpointRouteBuilder app)
    {
        var hooks = app.MapGroup("/v1/hooks")
            .WithTags("Platform webhooks")
            .AllowAnonymous()
            .RequireRateLimiting(Authorization.RateLimitingExtensions.HooksPolicy);
        hooks
            .MapGet("/{type}/{channelAccountId:guid}", Verify)
            .WithName(VerifyName)
            .WithSummary("The platform's verification handshake: Meta's hub.challenge, X's CRC check.")
            .WithDescription(
                "Meta's handshake is answered with the `hub.challenge` as plain text; X's CRC check with "
                    + "`{\"response_token\": \"sha256=…\"}`."
            )
            .Produces<string>(StatusCodes.Status200OK, "text/plain", "application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        hooks
            .MapPost("/{type}/{channelAccountId:guid}", Receive)
            .WithName(ReceiveName)
            .WithSummary(
                "A platform's webhook, verified by its signature: customers' messages and the statuses of our replies."
            )
            .Produces<HookReceipt>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        return app;
    }

    private static async Task<IResult> Verify(
        string type,
        Guid channelAccountId,
        HttpRequest request,
        ChannelStore channels,
        ConnectorRegistry connectors
    )
    {
        var (channel, connector, problem) = await FindAsync(
            type,
            channelAccountId,
            channels,
            connectors,
            request.HttpContext.RequestAborted
        );
        return problem ?? connector!.Handshake(request, channel!);
    }

    private static async Task<IResult> Receive(
        string type,
        Guid channelAccountId,
        HttpRequest request,
        ChannelStore channels,
        ConnectorRegistry connectors,
        IngestionBatcher ingestion,
        ReplyProgressRecorder progress,
        IThreadLookup threads,
        ILoggerFactory loggers
    )
    {
        var ct = request.HttpContext.RequestAborted;
        var (found, foundConnector, problem) = await FindAsync(type, channelAccountId, channels, connectors, ct);
        if (problem is not null)
        {
            return problem;
        }

        var (channel, connector) = (found!, foundConnector!);

        // The exact bytes the platform signed (capped, like every body, at Api:MaxRequestBodyBytes: 413 beyond it).
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, ct);
        var body = buffer.ToArray();
        if (!connector.SignatureIsValid(request.Headers, body, channel))
        {
            return Problem.Of(
                StatusCodes.Status401Unauthorized,
                ProblemCodes.InvalidSignature,
                "Invalid signature",
                $"The request does not carry a valid {type} signature for this channel account."
            );
        }

        ParsedPayload? parsed;
        try
        {
            using var json = Meta.JsonReading.Parse(body);
            parsed = await connector.ParseAsync(json.RootElement, channel, threads, ct);
        }
        catch (JsonException e)
        {
            return Problem.Of(StatusCodes.Status400BadRequest, ProblemCodes.MalformedJson, "Malformed JSON", e.Message);
        }

        if (parsed is null)
        {
            return Problem.Of(
                StatusCodes.Status422UnprocessableEntity,
                ProblemCodes.UnexpectedPayload,
                "Not a webhook of this platform",
                $"The payload is not a {type} webhook this hub understands."
            );
        }

        var logger = loggers.CreateLogger(typeof(HooksApi));
        var actor = new EventActor(ActorKinds.Platform, null, type, null, null);
        var accounts = new Dictionary<string, Channel?>(StringComparer.Ordinal);
        async ValueTask<Channel?> AccountAsync(string account)
        {
            if (!accounts.TryGetValue(account, out var target))
            {
                target =
                    channel.Setting(connector.AccountSetting) == account
                        ? channel
                        : await channels.FindByPlatformAccountAsync(channel.WorkspaceId, type, account, ct);
                // Another account's part is taken only if that account's own secret verifies the payload too: one app
                // signs for all its accounts, and an account of another app (another brand's, say) is not reachable
                // through this one's URL and secret.
                if (
                    target is not null
                    && target.Id != channel.Id
                    && !(
                        connector.HookSettings.All(target.Has)
                        && connector.SignatureIsValid(request.Headers, body, target)
                    )
                )
                {
                    LogForeignAccount(logger, type, account, channel.Id);
                    target = null;
                }
                else if (target is null)
                {
                    LogUnknownAccount(logger, type, account, channel.Id);
                }

                accounts[account] = target;
            }

            return target;
        }

        var ingesting = new List<Task<IngestResult>>();
        var ignored = parsed.Ignored;
        foreach (var item in parsed.Engagements)
        {
            if (!item.Engagement.HasValidIds)
            {
                // A platform would retry a refused payload for days: an id the hub cannot keep is skipped, not fatal.
                LogInvalidIds(logger, type, channel.Id);
                ignored++;
            }
            else if (await AccountAsync(item.Account) is { } target)
            {
                ingesting.Add(ingestion.IngestAsync(target, item.Engagement, actor, ct));
            }
            else
            {
                ignored++;
            }
        }

        var results = await Task.WhenAll(ingesting);
        foreach (var status in parsed.Statuses)
        {
            if (await AccountAsync(status.Account) is { } target)
            {
                await progress.RecordStatusAsync(target, status, actor, ct);
            }
            else
            {
                ignored++;
            }
        }

        return TypedResults.Ok(
            new HookReceipt(
                results.Count(r => !r.Duplicate),
                results.Count(r => r.Duplicate),
                parsed.Statuses.Count,
                ignored
            )
        );
    }

    private static async Task<(Channel? Channel, IChannelConnector? Connector, IResult? Problem)> FindAsync(
        string type,
        Guid channelAccountId,
        ChannelStore channels,
        ConnectorRegistry connectors,
        CancellationToken ct
    )
    {
        var connector = connectors.For(type);
        var channel = connector is null ? null : await channels.FindForHookAsync(channelAccountId, ct);
        if (connector is null || channel is null || channel.Type != type)
        {
            return (null, null, Problem.NotFound($"A {type} channel account {channelAccountId}"));
        }

        var missing = connector.HookSettings.Where(s => !channel.Has(s)).ToList();
        return missing.Count > 0
            ? (
                null,
                null,
                Problem.Of(
                    StatusCodes.Status409Conflict,
                    ProblemCodes.ChannelNotConnected,
                    "The channel account is not set up for webhooks",
                    $"Store its {string.Join(", ", missing)} in the channel account's settings first."
                )
            )
            : (channel, connector, null);
    }

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "A {Type} webhook to channel account {ChannelId} carries a message whose ids the hub "
            + "cannot keep (empty, "
            + "too long or with control characters); it is ignored."
    )]
    private static partial void LogInvalidIds(ILogger logger, string type, Guid channelId);

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "A {Type} webhook to channel account {ChannelId} names account {Account}, whose own secret does not "
            + "verify it; that part is ignored."
    )]
    private static partial void LogForeignAccount(ILogger logger, string type, string account, Guid channelId);

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "A {Type} webhook to channel account {ChannelId} names account {Account}, which no channel "
            + "account of "
            + "its workspace has; that part is ignored."
    )]
    private static partial void LogUnknownAccount(ILogger logger, string type, string account, Guid channelId);
}
