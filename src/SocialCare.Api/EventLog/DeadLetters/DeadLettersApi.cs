using Microsoft.AspNetCore.Http.HttpResults;
using SocialCare.Api.Authorization;
using SocialCare.Api.Infrastructure;
using SocialCare.Api.Infrastructure.Problems;

namespace SocialCare.Api.EventLog.DeadLetters;

/// <summary>
/// The operator's view of what the hub set aside instead of losing (docs/operations.md, "Dead letters"): events the
/// relay or a log follower could not read, messages that exhausted their retries on the hub's own queues. Admin key
/// only: a dead letter's body is the message as it was, personal data included.
/// </summary>
public static class DeadLettersApi
{
    public static IServiceCollection AddDeadLetters(this IServiceCollection services) =>
        services.AddSingleton<DeadLetterStore>().AddSingleton<DeadLetterRedrive>();

    public static RouteGroupBuilder MapDeadLetters(this RouteGroupBuilder v1)
    {
        var deadLetters = v1.MapGroup("/admin/dead-letters").WithTags("Administration").RequireAdmin();
        deadLetters
            .MapGet("/", List)
            .WithName("ListDeadLetters")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary("Dead letters, newest first (admin): what the hub set aside instead of losing.");
        deadLetters
            .MapGet("/{id:guid}", Get)
            .WithName("GetDeadLetter")
            .WithSummary("A dead letter with its AMQP headers and body as they were received (admin).");
        deadLetters
            .MapPost("/{id:guid}/redrive", Redrive)
            .WithName("RedriveDeadLetter")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary(
                "Send a dead letter back where it failed (admin): a queue message to its queue, a relay event to the "
                    + "bus, a follower's event to that follower's next pass."
            );
        deadLetters
            .MapDelete("/{id:guid}", Discard)
            .WithName("DiscardDeadLetter")
            .WithSummary("Discard a dead letter for good (admin).");
        return v1;
    }

    private static async Task<Results<Ok<Page<DeadLetterResponse>>, ProblemHttpResult>> List(
        DeadLetterStore store,
        string? source,
        string? status,
        Guid? after,
        int? limit,
        CancellationToken ct
    )
    {
        var errors = new Dictionary<string, string[]>();
        if (source is not null && !DeadLetterSources.All.Contains(source))
        {
            errors["source"] = [$"One of {string.Join(", ", DeadLetterSources.All)}."];
        }

        bool? redriven = status switch
        {
            null or "pending" => false,
            "redriven" => true,
            "all" => null,
            _ => null,
        };
        if (status is not (null or "pending" or "redriven" or "all"))
        {
            errors["status"] = ["One of pending, redriven, all."];
        }

        if (errors.Count > 0)
        {
            return Problem.Validation(errors);
        }

        var take = Paging.ClampLimit(limit);
        var items = await store.ListAsync(source, redriven, after, take, ct);
        return TypedResults.Ok(
            new Page<DeadLetterResponse>(items, items.Count == take ? items[^1].Id.ToString() : null)
        );
    }

    private static async Task<Results<Ok<DeadLetterDetail>, ProblemHttpResult>> Get(
        Guid id,
        DeadLetterStore store,
        CancellationToken ct
    ) => await store.FindAsync(id, ct) is { } letter ? TypedResults.Ok(letter) : Problem.NotFound("The dead letter");

    private static async Task<Results<Accepted<DeadLetterResponse>, ProblemHttpResult>> Redrive(
        Guid id,
        DeadLetterStore store,
        DeadLetterRedrive redrive,
        CancellationToken ct
    )
    {
        if (await store.FindAsync(id, ct) is not { } letter)
        {
            return Problem.NotFound("The dead letter");
        }

        try
        {
            var (outcome, error) = await redrive.RedriveAsync(letter, ct);
            return outcome switch
            {
                RedriveOutcome.AlreadyRedriven => Problem.Of(
                    StatusCodes.Status409Conflict,
                    ProblemCodes.AlreadyRedriven,
                    "Already redriven",
                    "This dead letter was redriven already; if it failed again, it is listed again."
                ),
                RedriveOutcome.Unreadable => Problem.Of(
                    StatusCodes.Status422UnprocessableEntity,
                    ProblemCodes.DeadLetterUnreadable,
                    "The event still cannot be read",
                    error
                ),
                _ => TypedResults.Accepted($"/v1/admin/dead-letters/{id}", (await store.FindAsync(id, ct))!.DeadLetter),
            };
        }
        catch (Exception e)
            when (e
                    is RabbitMQ.Client.Exceptions.BrokerUnreachableException
                        or RabbitMQ.Client.Exceptions.OperationInterruptedException
                        or RabbitMQ.Client.Exceptions.PublishException
                        or MassTransit.MassTransitException
                        or OperationCanceledException
                && !ct.IsCancellationRequested
            )
        {
            return Problem.Of(
                StatusCodes.Status503ServiceUnavailable,
                ProblemCodes.ServiceUnavailable,
                "The broker cannot be reached",
                "RabbitMQ did not take the message; the dead letter waits. Retry once the broker is back."
            );
        }
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Discard(
        Guid id,
        DeadLetterStore store,
        CancellationToken ct
    ) => await store.DeleteAsync(id, ct) ? TypedResults.NoContent() : Problem.NotFound("The dead letter");
}
