using Microsoft.AspNetCore.Http.Features;

namespace SocialCare.Api.Infrastructure.Problems;

/// <summary>
/// Caps every request body at <see cref="ApiOptions.MaxRequestBodyBytes"/> (a batch's at
/// <see cref="ApiOptions.MaxBatchRequestBodyBytes"/>). A declared length over the cap is refused
/// before a byte is read; an undeclared (chunked) body is cut off as it streams in. Kestrel's own limit is set too, but
/// the wrapper also holds under hosts that have none (tests).
/// </summary>
internal sealed class RequestBodyLimitMiddleware(
    RequestDelegate next,
    Microsoft.Extensions.Options.IOptions<ApiOptions> options
)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var limit = context.GetEndpoint()?.Metadata.GetMetadata<Validation.ItemBatchMetadata>() is null
            ? options.Value.MaxRequestBodyBytes
            : options.Value.MaxBatchRequestBodyBytes;
        if (context.Request.ContentLength > limit)
        {
            await Problem.WriteAsync(context, TooLarge(limit));
            return;
        }

        var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
        {
            sizeFeature.MaxRequestBodySize = limit;
        }

        context.Request.Body = new LimitedReadStream(context.Request.Body, limit);
        await next(context);
    }

    internal static Microsoft.AspNetCore.Mvc.ProblemDetails TooLarge(long limit) =>
        Problem.Details(
            StatusCodes.Status413PayloadTooLarge,
            ProblemCodes.PayloadTooLarge,
            "The request body is too large",
            $"Request bodies are limited to {limit} bytes."
        );

    private sealed class LimitedReadStream(Stream inner, long limit) : Stream
    {
        private long _read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position
        {
            get => _read;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(
            Memory<byte> buffer,
            CancellationToken cancellationToken = default
        ) => Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(
            byte[] buffer,
            int offset,
            int count,
            CancellationToken cancellationToken
        ) => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Count(int read)
        {
            _read += read;
            if (_read > limit)
            {
                throw new BadHttpRequestException(
                    $"Request bodies are limited to {limit} bytes.",
                    StatusCodes.Status413PayloadTooLarge
                );
            }

            return read;
        }

        public override void Flush() { }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
