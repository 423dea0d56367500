using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using SocialCare.Api.Authorization;
using SocialCare.Api.Channels;
using SocialCare.Api.Idempotency;
using SocialCare.Api.Infrastructure.Problems;
using SocialCare.Api.Infrastructure.Validation;

namespace SocialCare.Api.Engagements;

/// <summary>
/// <c>POST /v1/engagements/batch</c>: many engagements in one request, each read, validated, deduplicated and threaded
/// exactly as <c>POST /v1/engagements</c> does it alone, and written through the same group commit (so a batch takes a
/// few transactions, not one per item). One item's failure is that item's problem; the others go in. Items that share
/// an author, a thread or a platform message are written one after the other, in the batch's order, so that a backlog
/// replayed in order is threaded in order; the rest are written together.
/// </summary>
public static class EngagementBatchApi
{
    public static RouteGroupBuilder MapEngagementBatches(this RouteGroupBuilder v1)
    {
        v1.MapPost("/engagements/batch", IngestBatch)
            .WithTags("Engagements")
            .WithName("IngestEngagementBatch")
            .WithSummary(
                $"Ingest up to {IngestEngagementBatchRequest.MaxEngagements} engagements in one request. 200 with each "
                    + "item's outcome in order (accepted, duplicate or failed with its problem): one bad item never "
                    + "fails the others."
            )
            .AcceptsItemBatch<IngestEngagementBatchRequest>()
            .RequireScope(Scopes.EngagementsWrite)
            .ProducesValidationProblem()
            .Idempotent();
        return v1;
    }

    private static async Task<Results<Ok<IngestEngagementBatchResponse>, ProblemHttpResult>> IngestBatch(
        EngagementBatchBody body,
        HttpContext http,
        ChannelStore channels,
        IngestionBatcher ingestion,
        IValidator<IngestEngagementRequest> validator,
        ExceptionProblems problems,
        CancellationToken ct
    )
    {
        if (body is not { Items: { } items, Count: > 0 and <= IngestEngagementBatchRequest.MaxEngagements })
        {
            return Problem.Validation(
                new Dictionary<string, string[]>
                {
                    ["engagements"] =
                    [
                        $"'engagements' is an array of 1 to {IngestEngagementBatchRequest.MaxEngagements} "
                            + $"engagements{(body.Items is null ? "" : $"; this one has {body.Count}")}.",
                    ],
                }
            );
        }

        var results = new BatchItemResult[items.Count];
        var actor = Actors.FromRequest(http);
        var workspaceId = http.User.RequiredWorkspaceId();
        var known = new Dictionary<Guid, Channel?>();
        var writes = new List<Task>(items.Count);
        // The last write of each lock key and platform message: an item that shares one waits for it.
        var lastWrite = new Dictionary<string, Task>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            var (request, readProblem) = items[i];
            if (readProblem is not null)
            {
                results[i] = BatchItemResult.Of(i, readProblem);
                continue;
            }

            if (request is null)
            {
                results[i] = BatchItemResult.Of(
                    i,
                    Problem.ValidationDetails(
                        new Dictionary<string, string[]> { [""] = ["An engagement is required."] }
                    )
                );
                continue;
            }

            var validation = await validator.ValidateAsync(request, ct);
            if (!validation.IsValid)
            {
                results[i] = BatchItemResult.Of(i, Problem.ValidationDetails(validation.ToDictionary()));
                continue;
            }

            if (!known.TryGetValue(request.ChannelId, out var channel))
            {
                channel =
                    await channels.FindAsync(workspaceId, request.ChannelId, ct) is { } found
                    && http.User.MayActOnBrand(found.Brand)
                        ? found
                        : null;
                known[request.ChannelId] = channel;
            }

            if (channel is null)
            {
                results[i] = BatchItemResult.Of(i, EngagementsApi.UnknownChannel(request.ChannelId).ProblemDetails);
                continue;
            }

            var item = new IngestionItem(channel, EngagementsApi.ToInbound(request), actor);
            var keys = item.LockKeys().Append(item.DedupeKey).ToList();
            var before = keys.Select(k => lastWrite.GetValueOrDefault(k)).OfType<Task>().Distinct().ToArray();
            var write = WriteAsync(i, item, before);
            keys.ForEach(k => lastWrite[k] = write);
            writes.Add(write);
        }

        await Task.WhenAll(writes);
        return Answer(http, results);

        async Task WriteAsync(int index, IngestionItem item, Task[] before)
        {
            await Task.WhenAll(before);
            try
            {
                results[index] = BatchItemResult.Of(index, await ingestion.IngestAsync(item, ct));
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                results[index] = BatchItemResult.Of(index, problems.Describe(http.Request, e));
            }
        }
    }

    /// <summary>
    /// 200 with every item's outcome; but when nothing went in and the hub itself failed (the database away), that
    /// problem for the whole request (503, <c>Retry-After</c>), as a single engagement would get. A success some of
    /// whose items failed for a reason a retry may cure is not stored under its <c>Idempotency-Key</c>: the retry tries
    /// them again (the items that went in answer <c>duplicate</c>, with the same ids).
    /// </summary>
    private static Results<Ok<IngestEngagementBatchResponse>, ProblemHttpResult> Answer(
        HttpContext http,
        BatchItemResult[] results
    )
    {
        var failed = results.Where(r => r.Problem is not null).ToList();
        if (failed.Count == results.Length && failed.FirstOrDefault(r => r.Problem!.Status >= 500) is { } outage)
        {
            if (outage.Problem!.Status == StatusCodes.Status503ServiceUnavailable)
            {
                ExceptionProblems.AskToRetryLater(http.Response);
            }

            var problem = Problem.Details(
                outage.Problem.Status,
                outage.Problem.Code,
                outage.Problem.Title,
                outage.Problem.Detail
            );
            return TypedResults.Problem(problem);
        }

        if (failed.Any(r => r.Problem!.Status >= 500 || r.Problem.Code == ProblemCodes.Conflict))
        {
            IdempotentPostFilter.LeaveUnrecorded(http);
        }

        return TypedResults.Ok(
            new IngestEngagementBatchResponse(
                results,
                results.Count(r => r.Status == BatchItemStatuses.Accepted),
                results.Count(r => r.Status == BatchItemStatuses.Duplicate),
                failed.Count
            )
        );
    }
}
