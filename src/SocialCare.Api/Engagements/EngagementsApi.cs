using Microsoft.AspNetCore.Http.HttpResults;
using SocialCare.Api.Authorization;
using SocialCare.Api.Channels;
using SocialCare.Api.Conversations;
using SocialCare.Api.Infrastructure.Problems;
using SocialCare.Api.Infrastructure.Validation;
using SocialCare.Contracts;

namespace SocialCare.Api.Engagements;

public static class EngagementsApi
{
    public static IServiceCollection AddEngagements(this IServiceCollection services)
    {
        services
            .AddOptions<ConversationOptions>()
            .BindConfiguration(ConversationOptions.Section)
            .Validate(o => o.ReopenWindow >= TimeSpan.Zero, "Conversations:ReopenWindow may not be negative.")
            .Validate(
                o => o.ClaimTtl > TimeSpan.Zero && o.ClaimSweepInterval > TimeSpan.Zero,
                "Conversations:ClaimTtl and ClaimSweepInterval must be positive."
            )
            .ValidateOnStart();
        services
            .AddOptions<IngestionOptions>()
            .BindConfiguration(IngestionOptions.Section)
            .Validate(
                o => o.Writers is > 0 and <= 64 && o.MaxBatch is > 0 and <= 1000,
                "Ingestion:Writers must be 1–64 and Ingestion:MaxBatch 1–1000."
            )
            .ValidateOnStart();
        services.ConfigureSwaggerGen(o => o.OperationFilter<EngagementBatchExample>());
        services.AddSingleton<EngagementIngestor>();
        services.AddSingleton<IngestionBatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<IngestionBatcher>());
        return services;
    }

    public static RouteGroupBuilder MapEngagements(this RouteGroupBuilder v1)
    {
        v1.MapPost("/engagements", Ingest)
            .WithTags("Engagements")
            .WithName("IngestEngagement")
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithSummary(
                "Ingest an engagement from any source. 202 when new; 200 with the same ids when the platform "
                    + "message was seen before."
            )
            .RequireScope(Scopes.EngagementsWrite)
            .Validate<IngestEngagementRequest>();
        return v1.MapEngagementBatches();
    }

    private static async Task<
        Results<Accepted<IngestEngagementResponse>, Ok<IngestEngagementResponse>, ProblemHttpResult>
    > Ingest(
        IngestEngagementRequest request,
        HttpContext http,
        ChannelStore channels,
        IngestionBatcher ingestion,
        CancellationToken ct
    )
    {
        var user = http.User;
        if (
            await channels.FindAsync(user.RequiredWorkspaceId(), request.ChannelId, ct) is not { } channel
            || !user.MayActOnBrand(channel.Brand)
        )
        {
            return UnknownChannel(request.ChannelId);
        }

        var result = await ingestion.IngestAsync(channel, ToInbound(request), Actors.FromRequest(http), ct);
        var body = new IngestEngagementResponse(result.EngagementId, result.ConversationId, result.CustomerId);
        return result.Duplicate
            ? TypedResults.Ok(body)
            : TypedResults.Accepted($"/v1/conversations/{result.ConversationId}", body);
    }

    internal static ProblemHttpResult UnknownChannel(Guid channelId) =>
        Problem.Of(
            StatusCodes.Status422UnprocessableEntity,
            ProblemCodes.UnknownChannel,
            "Unknown channel",
            $"There is no channel account {channelId} in this workspace that this key may use."
        );

    internal static InboundEngagement ToInbound(IngestEngagementRequest r) =>
        new(
            r.PlatformMessageId,
            string.IsNullOrEmpty(r.ThreadKey) ? null : r.ThreadKey,
            new EngagementAuthor(r.Author.PlatformUserId, r.Author.DisplayName, r.Author.Handle),
            r.Text,
            r.Attachments?.Select(a => new Attachment(a.Url, a.MediaType, a.SizeBytes)).ToList() ?? [],
            r.Visibility,
            r.Language,
            r.OccurredAt!.Value.ToUniversalTime(),
            r.Metadata
        );
}
