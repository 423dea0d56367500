namespace SocialCare.Api.Infrastructure.Validation;

/// <summary>
/// Marks an endpoint whose JSON body is a batch of items that each succeed or fail on their own (an engagement batch):
/// the body may be as large as <see cref="ApiOptions.MaxBatchRequestBodyBytes"/>, and <see cref="StorableInputMiddleware"/>
/// leaves the check of its values to the endpoint, item by item, so that one item's NUL character fails that item only.
/// </summary>
internal sealed class ItemBatchMetadata
{
    public static readonly ItemBatchMetadata Instance = new();
}

/// <summary>The request's JSON body, in UTF-8, as <see cref="StorableInputMiddleware"/> buffered it for an endpoint that
/// reads its items one by one.</summary>
internal sealed record BufferedJsonBody(ReadOnlyMemory<byte> Utf8);

public static class ItemBatchExtensions
{
    /// <summary>The endpoint reads a JSON body of <typeparamref name="T"/>'s shape itself (see
    /// <see cref="ItemBatchMetadata"/>).</summary>
    public static RouteHandlerBuilder AcceptsItemBatch<T>(this RouteHandlerBuilder builder)
        where T : notnull => builder.Accepts<T>("application/json").WithMetadata(ItemBatchMetadata.Instance);
}
