using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using SocialCare.Api.Infrastructure.Database;
using SocialCare.Api.Infrastructure.Problems;

namespace SocialCare.Api.Infrastructure.Validation;

/// <summary>
/// The boundary where a request's values are checked against what PostgreSQL accepts (<see cref="StorableValues"/>),
/// once for every route, before any binder or handler runs: the query string and the headers, and every JSON body an
/// endpoint binds — all of it, free-form members included. A value PostgreSQL refuses at Bind must never reach it:
/// besides failing its own request, it leaves Npgsql's auto-prepared statement without its row description, and a
/// later, innocent request on the same pooled connection gets a 500 ("Received unexpected backend message DataRow") —
/// the desync described in <see cref="StorableValues"/>. Route values need no check: Kestrel answers 400 to a path
/// holding %00 and decodes only valid UTF-8 there. It answers 400 to a NUL in a header too, but other servers (and the
/// test server) may not, and headers reach the database (X-Actor, Idempotency-Key). Platform webhooks bind no body
/// (they verify the raw bytes) and are never refused for their content: their connectors clean what they take
/// (JsonReading). A batch (<see cref="ItemBatchMetadata"/>) is buffered here but scanned by its endpoint, item by item,
/// so that one item's unstorable value fails that item alone.
/// </summary>
internal sealed class StorableInputMiddleware(RequestDelegate next, IOptions<JsonOptions> json)
{
    private readonly JsonReaderOptions _readerOptions = ReaderOptions(json.Value);

    /// <summary>How the binder reads a body: the scan must read it the same way.</summary>
    internal static JsonReaderOptions ReaderOptions(JsonOptions json) =>
        new()
        {
            AllowTrailingCommas = json.SerializerOptions.AllowTrailingCommas,
            CommentHandling = json.SerializerOptions.ReadCommentHandling,
            MaxDepth = json.SerializerOptions.MaxDepth,
        };

    public async Task InvokeAsync(HttpContext context)
    {
        if (UnstorablePart(context.Request) is { } part)
        {
            await Problem.WriteAsync(
                context,
                Problem.Details(
                    StatusCodes.Status400BadRequest,
                    ProblemCodes.UnsupportedCharacter,
                    "Unsupported character",
                    $"The request's {part} holds the NUL character (U+0000) or an unpaired UTF-16 surrogate; the "
                        + "hub stores neither."
                )
            );
            return;
        }

        if (
            context.GetEndpoint()?.Metadata.GetMetadata<IAcceptsMetadata>() is not null
            && context.Request.HasJsonContentType()
        )
        {
            var body = await BufferBodyAsync(context.Request, context.RequestAborted);
            if (AsUtf8(context.Request, body) is not { } utf8)
            {
                // The binder would throw (a 500): it cannot read a charset .NET does not know.
                await Problem.WriteAsync(
                    context,
                    Problem.Details(
                        StatusCodes.Status415UnsupportedMediaType,
                        ProblemCodes.UnsupportedMediaType,
                        "Unsupported media type",
                        "The body's charset is not one the hub reads; send JSON in UTF-8."
                    )
                );
                return;
            }

            if (context.GetEndpoint()?.Metadata.GetMetadata<ItemBatchMetadata>() is not null)
            {
                context.Features.Set(new BufferedJsonBody(utf8));
            }
            else if (JsonBodyScanner.Scan(utf8.Span, _readerOptions) is { } value)
            {
                await Problem.WriteAsync(context, Describe(value));
                return;
            }
        }

        await next(context);
    }

    private static string? UnstorablePart(HttpRequest request)
    {
        foreach (var (name, values) in request.Query)
        {
            if (!StorableValues.IsStorable(name) || values.Any(v => !StorableValues.IsStorable(v)))
            {
                return "query string";
            }
        }

        foreach (var (name, values) in request.Headers)
        {
            if (values.Any(v => !StorableValues.IsStorable(v)))
            {
                return $"header {name}";
            }
        }

        return null;
    }

    /// <summary>Reads the body into memory (it is capped at Api:MaxRequestBodyBytes, or a batch's limit, already) and
    /// leaves it there for the binder.</summary>
    private static async Task<ReadOnlyMemory<byte>> BufferBodyAsync(
        HttpRequest request,
        CancellationToken cancellationToken
    )
    {
        var buffer = new MemoryStream((int)Math.Min(request.ContentLength ?? 4096, 1 << 20));
        await request.Body.CopyToAsync(buffer, cancellationToken);
        request.Body = new MemoryStream(buffer.GetBuffer(), 0, (int)buffer.Length, writable: false);
        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    /// <summary>
    /// The body as the binder reads it: it transcodes a body of another declared charset (UTF-16, Latin-1 …) to UTF-8.
    /// Null for a charset .NET does not know.
    /// </summary>
    private static ReadOnlyMemory<byte>? AsUtf8(HttpRequest request, ReadOnlyMemory<byte> body)
    {
        var charset = MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
            ? HeaderUtilities.RemoveQuotes(type.Charset).Value
            : null;
        if (string.IsNullOrEmpty(charset))
        {
            return body;
        }

        try
        {
            var encoding = Encoding.GetEncoding(charset);
            return encoding.CodePage == Encoding.UTF8.CodePage
                ? body
                : Encoding.Convert(encoding, Encoding.UTF8, body.ToArray());
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    internal static Microsoft.AspNetCore.Mvc.ProblemDetails Describe(UnstorableValue value) =>
        value.Kind switch
        {
            UnstorableKind.Character => Problem.Details(
                StatusCodes.Status400BadRequest,
                ProblemCodes.UnsupportedCharacter,
                "Unsupported character",
                $"The JSON at {value.Path} holds the NUL character (U+0000) or an unpaired UTF-16 surrogate; the "
                    + "hub stores neither."
            ),
            UnstorableKind.Number => Problem.Details(
                StatusCodes.Status400BadRequest,
                ProblemCodes.UnsupportedNumber,
                "Unsupported number",
                $"The number at {value.Path} is beyond what the hub stores: at most "
                    + $"{StorableValues.MaxNumberLength} characters, "
                    + $"with an exponent of at most {StorableValues.MaxExponent}."
            ),
            _ => Problem.Details(
                StatusCodes.Status400BadRequest,
                ProblemCodes.MalformedJson,
                "The request body is not valid JSON",
                $"The string at {value.Path} is not valid UTF-8."
            ),
        };
}
