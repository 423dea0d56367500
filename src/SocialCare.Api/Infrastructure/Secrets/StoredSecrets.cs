namespace SocialCare.Api.Infrastructure.Secrets;

/// <summary>
/// A table whose text columns hold values encrypted with <see cref="SecretCipher"/>, declared by the feature that owns
/// it (one singleton per table), so that <see cref="StoredSecretsRewriter"/> can encrypt what an older hub left in
/// clear and re-encrypt everything under a new active key: the table's primary-key columns, its encrypted columns, and
/// the context a row's values are encrypted with, computed from its primary-key values (in <see cref="Key"/>'s order).
/// </summary>
public sealed record StoredSecrets(
    string Table,
    IReadOnlyList<string> Key,
    IReadOnlyList<string> Columns,
    Func<IReadOnlyList<object>, string> Context
);
