using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using SocialCare.Api.Idempotency;
using SocialCare.Api.Infrastructure.Problems;
using SocialCare.Api.Infrastructure.Validation;

namespace SocialCare.Api.Engagements;

/// <summary>Up to 500 engagements, each ingested as <c>POST /v1/engagements</c> would ingest it alone.</summary>
public sealed record IngestEngagementBatchRequest(
    [property: System.ComponentModel.DataAnnotations.MinLength(1)]
    [property: System.ComponentModel.DataAnnotations.MaxLength(IngestEngagementBatchRequest.MaxEngagements)]
        IReadOnlyList<IngestEngagementRequest> Engagements
)
{
    public const int MaxEngagements = 500;
}

/// <summary>One item of a batch as read: the engagement, or why it could not be read (bad JSON, a value the hub does
/// not store). Null for both is a JSON <c>null</c> in the list.</summary>
public sealed record BatchItem(IngestEngagementRequest? Request, Microsoft.AspNetCore.Mvc.ProblemDetails? Problem);

/// <summary>
/// The body of <c>POST /v1/engagements/batch</c>, read item by item rather than bound whole, so that one item's bad JSON
/// or NUL character fails that item alone: the body must be a JSON object whose <c>engagements</c> member is an array
/// (anything else fails the request, 400), and each element is scanned and deserialised on its own. The body is the one
/// <see cref="StorableInputMiddleware"/> buffered (<see cref="BufferedJsonBody"/>).
/// </summary>
public sealed class EngagementBatchBody : IBindableFromHttpContext<EngagementBatchBody>, IRawRequestBody
{
    private EngagementBatchBody(ReadOnlyMemory<byte> body, IReadOnlyList<BatchItem>? items, int count)
    {
        Body = body;
        Items = items;
        Count = count;
    }

    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>The items in order, up to <see cref="IngestEngagementBatchRequest.MaxEngagements"/> of them (those past
    /// it are counted, not read: the batch is refused); null when the body has no <c>engagements</c> array (or it is
    /// <c>null</c>).</summary>
    public IReadOnlyList<BatchItem>? Items { get; }

    /// <summary>How many items the array holds.</summary>
    public int Count { get; }

    public static ValueTask<EngagementBatchBody?> BindAsync(HttpContext context, ParameterInfo parameter)
    {
        if (context.Features.Get<BufferedJsonBody>() is not { } buffered)
        {
            throw new BadHttpRequestException(
                "Send the body as JSON with 'Content-Type: application/json'.",
                StatusCodes.Status415UnsupportedMediaType
            );
        }

        var json = context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value;
        var body = buffered.Utf8.Span.StartsWith("\uFEFF"u8) ? buffered.Utf8[3..] : buffered.Utf8;
        if (body.Span.Trim(" \t\r\n"u8).IsEmpty)
        {
            throw new BadHttpRequestException("A request body is required.");
        }

        try
        {
            var (items, count) = Read(body, json);
            return ValueTask.FromResult<EngagementBatchBody?>(new(body, items, count));
        }
        catch (JsonException e)
        {
            throw new BadHttpRequestException("The request body is not valid JSON.", e);
        }
    }

    private static (List<BatchItem>? Items, int Count) Read(ReadOnlyMemory<byte> body, JsonOptions json)
    {
        var readerOptions = StorableInputMiddleware.ReaderOptions(json);
        var reader = new Utf8JsonReader(body.Span, readerOptions);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("The request body must be a JSON object with an 'engagements' array.");
        }

        List<BatchItem>? items = null;
        var count = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            // As the binder matches members: without regard to case.
            var name = reader.GetString();
            var isEngagements = string.Equals(name, "engagements", StringComparison.OrdinalIgnoreCase);
            reader.Read();
            if (!isEngagements || reader.TokenType == JsonTokenType.Null)
            {
                // Not read, but not let through either: no part of a request holds what the hub does not store.
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                var unstorable = Infrastructure.Database.StorableValues.IsStorable(name)
                    ? JsonBodyScanner.Scan(body.Span[start..(int)reader.BytesConsumed], readerOptions) is { } inside
                        ? inside with
                        {
                            Path = $"$.{name}{inside.Path[1..]}",
                        }
                        : (UnstorableValue?)null
                    : new UnstorableValue(UnstorableKind.Character, "$");
                if (unstorable is { } value)
                {
                    throw new UnstorableEnvelopeException(StorableInputMiddleware.Describe(value));
                }

                continue;
            }

            if (reader.TokenType != JsonTokenType.StartArray)
            {
                throw new JsonException("'engagements' must be an array of engagements.");
            }

            items = [];
            count = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                // Past the limit an item is only counted: a body of a million tiny wrong items costs no more than a
                // valid one.
                if (++count <= IngestEngagementBatchRequest.MaxEngagements)
                {
                    items.Add(ReadItem(body.Span[start..(int)reader.BytesConsumed], readerOptions, json));
                }
            }
        }

        // The reader has checked the whole object: what follows its end may only be whitespace.
        while (reader.Read()) { }

        return (items, count);
    }

    private static BatchItem ReadItem(ReadOnlySpan<byte> item, JsonReaderOptions readerOptions, JsonOptions json)
    {
        if (JsonBodyScanner.Scan(item, readerOptions) is { } unstorable)
        {
            return new BatchItem(null, StorableInputMiddleware.Describe(unstorable));
        }

        try
        {
            return new BatchItem(
                JsonSerializer.Deserialize<IngestEngagementRequest>(item, json.SerializerOptions),
                null
            );
        }
        catch (JsonException e)
        {
            return new BatchItem(null, ExceptionProblems.MalformedJson(e));
        }
    }
}

/// <summary>A value the hub does not store outside the items of a batch: the whole request is refused, as any other
/// request holding one is.</summary>
internal sealed class UnstorableEnvelopeException(Microsoft.AspNetCore.Mvc.ProblemDetails problem)
    : Exception(problem.Detail),
        IHasProblem
{
    public Microsoft.AspNetCore.Mvc.ProblemDetails Problem { get; } = problem;
}
