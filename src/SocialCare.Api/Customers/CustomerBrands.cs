using SocialCare.Api.Infrastructure.Problems;

namespace SocialCare.Api.Customers;

/// <summary>
/// What a key limited to brands may do with a customer, who is shared by every brand of the workspace. It reads a
/// customer who has a conversation of one of its brands (following merges to the survivor), and sees only those
/// conversations; any other customer answers 404, like a missing one. It changes (links identities to, merges) only a
/// customer whose every conversation is of its brands: a merge moves the customer's conversations, and a link reroutes
/// the customer's future messages, whatever their brand.
/// </summary>
internal static class CustomerBrands
{
    /// <summary>
    /// A SQL condition: customer <c>$2</c> of workspace <c>$1</c> may be read by a key limited to <c>$3</c> (null:
    /// every brand). A merged customer is read through its survivors, whose conversations it once had.
    /// </summary>
    public const string Readable = """
        ($3::text[] is null or exists (
            with recursive chain as (
                select id, merged_into from customers where workspace_id = $1 and id = $2
                union
                select c.id, c.merged_into from customers c join chain on c.id = chain.merged_into)
            select 1 from conversations v where v.workspace_id = $1 and v.customer_id in (select id from chain) and
                v.brand = any($3)))
        """;

    /// <summary>A SQL expression: the distinct brands of customer <c>{0}</c>'s conversations.</summary>
    public static string Of(string customer) =>
        $"array(select distinct v.brand from conversations v where v.customer_id = {customer})";

    /// <summary>
    /// Why a key limited to <paramref name="keyBrands"/> may not change a customer whose conversations are of
    /// <paramref name="customerBrands"/>, or null when it may.
    /// </summary>
    public static Rejection? RefuseChange(IReadOnlyList<string>? keyBrands, IReadOnlyList<string> customerBrands)
    {
        if (keyBrands is null)
        {
            return null;
        }

        if (!customerBrands.Any(b => keyBrands.Contains(b, StringComparer.Ordinal)))
        {
            return new Rejection(ProblemCodes.NotFound, "The customer does not exist.");
        }

        return customerBrands.All(b => keyBrands.Contains(b, StringComparer.Ordinal))
            ? null
            : new Rejection(
                ProblemCodes.Forbidden,
                "The customer has conversations of brands this API key may not act on; a key for every brand can "
                    + "do this."
            );
    }

    /// <summary>Whether a key limited to <paramref name="keyBrands"/> may read a customer whose conversations are of
    /// <paramref name="customerBrands"/>.</summary>
    public static bool MayRead(IReadOnlyList<string>? keyBrands, IReadOnlyList<string> customerBrands) =>
        keyBrands is null || customerBrands.Any(b => keyBrands.Contains(b, StringComparer.Ordinal));
}
