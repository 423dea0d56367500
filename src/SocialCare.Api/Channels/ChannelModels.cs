using System.Text.Json;
using System.Text.RegularExpressions;
using FluentValidation;
using SocialCare.Contracts;

namespace SocialCare.Api.Channels;

/// <summary>
/// <c>settings</c> are returned as they are; <c>secrets</c> are write-only (listed by name in <c>secretsSet</c>,
/// never returned, encrypted at rest). The native types' credentials (<c>accessToken</c>, <c>appSecret</c>, …) are
/// secrets even when sent in <c>settings</c>.
/// </summary>
public sealed record CreateChannelRequest(
    [KnownValues(typeof(ChannelTypes), Open = true)] string Type,
    string Name,
    string Brand,
    Dictionary<string, JsonElement>? Settings,
    Dictionary<string, JsonElement>? Secrets = null
);

/// <summary>Every member optional; in <c>settings</c> and <c>secrets</c>, a value replaces, <c>null</c>
/// removes.</summary>
public sealed record UpdateChannelRequest(
    string? Name,
    string? Brand,
    Dictionary<string, JsonElement>? Settings,
    Dictionary<string, JsonElement>? Secrets = null
);

/// <summary>
/// A channel account. <c>settings</c> never holds secrets: their names are listed in <c>secretsSet</c>, their values
/// are write-only.
/// </summary>
public sealed record ChannelResponse(
    Guid Id,
    [KnownValues(typeof(ChannelTypes), Open = true)] string Type,
    string Name,
    string Brand,
    IReadOnlyDictionary<string, JsonElement> Settings,
    IReadOnlyList<string> SecretsSet,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt
);

public static partial class ChannelTypes
{
    public const string WhatsApp = "whatsapp";
    public const string Messenger = "messenger";
    public const string Instagram = "instagram";
    public const string X = "x";

    /// <summary>The types the hub connects natively; any other type matching <see cref="Pattern"/> is
    /// custom.</summary>
    public static IReadOnlyList<string> All { get; } = [WhatsApp, Messenger, Instagram, X];

    /// <summary>Channels with no public side (a public reply there is refused); every other type may have
    /// both.</summary>
    public static IReadOnlySet<string> PrivateOnly { get; } =
        new HashSet<string>(StringComparer.Ordinal) { WhatsApp, Messenger };

    /// <summary>Lower-case, starting with a letter: <c>linkedin</c>, <c>app-chat</c>, <c>sms</c> …</summary>
    [GeneratedRegex("^[a-z][a-z0-9-]{0,39}$")]
    public static partial Regex Pattern();
}

internal sealed class CreateChannelRequestValidator : AbstractValidator<CreateChannelRequest>
{
    public CreateChannelRequestValidator()
    {
        RuleFor(r => r.Type)
            .NotEmpty()
            .Matches(ChannelTypes.Pattern())
            .WithMessage(
                "'type' is a lower-case name such as whatsapp, messenger, instagram, x, linkedin or app-chat."
            );
        RuleFor(r => r.Name).NotEmpty().MaximumLength(200);
        RuleFor(r => r.Brand).NotEmpty().MaximumLength(200);
        this.SettingsAndSecrets(r => r.Settings, r => r.Secrets);
    }
}

internal sealed class UpdateChannelRequestValidator : AbstractValidator<UpdateChannelRequest>
{
    public UpdateChannelRequestValidator()
    {
        RuleFor(r => r.Name).NotEmpty().MaximumLength(200).When(r => r.Name is not null);
        RuleFor(r => r.Brand).NotEmpty().MaximumLength(200).When(r => r.Brand is not null);
        this.SettingsAndSecrets(r => r.Settings, r => r.Secrets);
    }
}

internal static class ChannelSettings
{
    public const string Rule = "Settings are at most 50 entries with names of at most 100 characters.";

    public const string SecretsRule =
        "Secrets are at most 20 entries with names of at most 100 characters, each a string of at most 4,096 "
        + "characters (null removes one).";

    public static bool AreValid(Dictionary<string, JsonElement> settings) =>
        settings.Count <= 50 && settings.Keys.All(k => k.Length is > 0 and <= 100);

    public static bool AreValidSecrets(Dictionary<string, JsonElement> secrets) =>
        secrets.Count <= 20
        && secrets.All(s =>
            s.Key.Length is > 0 and <= 100
            && (
                s.Value.ValueKind == JsonValueKind.Null
                || (s.Value.ValueKind == JsonValueKind.String && s.Value.GetString()!.Length is > 0 and <= 4096)
            )
        );
}

/// <summary>The rules a channel account's settings and secrets follow, on create and on update alike.</summary>
internal static class ChannelRequestRules
{
    public static void SettingsAndSecrets<T>(
        this AbstractValidator<T> validator,
        System.Linq.Expressions.Expression<Func<T, Dictionary<string, JsonElement>?>> settings,
        System.Linq.Expressions.Expression<Func<T, Dictionary<string, JsonElement>?>> secrets
    )
    {
        var (hasSettings, hasSecrets) = (settings.Compile(), secrets.Compile());
        validator
            .RuleFor(settings)
            .Must(ChannelSettings.AreValid!)
            .When(r => hasSettings(r) is not null)
            .WithMessage(ChannelSettings.Rule);
        validator
            .RuleFor(secrets)
            .Must(ChannelSettings.AreValidSecrets!)
            .When(r => hasSecrets(r) is not null)
            .WithMessage(ChannelSettings.SecretsRule);
    }
}
