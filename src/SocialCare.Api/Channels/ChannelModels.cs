using System.Text.Json;
using System.Text.RegularExpressions;
using FluentValidation;

namespace SocialCare.Api.Channels;

public sealed record CreateChannelRequest(string Type, string Name, string Brand, Dictionary<string, JsonElement>? Settings);

/// <summary>Every member optional; in <c>settings</c>, a value replaces, <c>null</c> removes.</summary>
public sealed record UpdateChannelRequest(string? Name, string? Brand, Dictionary<string, JsonElement>? Settings);

/// <summary>
/// A channel account. <c>settings</c> never holds secrets: their names are listed in <c>secretsSet</c>,
/// their values are write-only.
/// </summary>
public sealed record ChannelResponse(
    Guid Id, string Type, string Name, string Brand, IReadOnlyDictionary<string, JsonElement> Settings,
    IReadOnlyList<string> SecretsSet, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public static partial class ChannelTypes
{
    public const string WhatsApp = "whatsapp";
    public const string Messenger = "messenger";
    public const string Instagram = "instagram";
    public const string X = "x";

    /// <summary>Channels with no public side (a public reply there is refused); every other type may have both.</summary>
    public static IReadOnlySet<string> PrivateOnly { get; } = new HashSet<string>(StringComparer.Ordinal) { WhatsApp, Messenger };

    /// <summary>Lower-case, starting with a letter: <c>linkedin</c>, <c>app-chat</c>, <c>sms</c> …</summary>
    [GeneratedRegex("^[a-z][a-z0-9-]{0,39}$")]
    public static partial Regex Pattern();

    /// <summary>
    /// Which settings are secrets: the platforms' credentials by name, and anything that looks like one
    /// (…secret, …token, …password, …key), so that a custom channel's credentials are safe too.
    /// </summary>
    public static bool IsSecret(string setting)
    {
        var name = setting.ToLowerInvariant();
        return name.Contains("secret", StringComparison.Ordinal) || name.Contains("token", StringComparison.Ordinal)
            || name.Contains("password", StringComparison.Ordinal) || name.EndsWith("key", StringComparison.Ordinal);
    }
}

internal sealed class CreateChannelRequestValidator : AbstractValidator<CreateChannelRequest>
{
    public CreateChannelRequestValidator()
    {
        RuleFor(r => r.Type).NotEmpty().Matches(ChannelTypes.Pattern())
            .WithMessage("'type' is a lower-case name such as whatsapp, messenger, instagram, x, linkedin or app-chat.");
        RuleFor(r => r.Name).NotEmpty().MaximumLength(200);
        RuleFor(r => r.Brand).NotEmpty().MaximumLength(200);
        RuleFor(r => r.Settings).Must(ChannelSettings.AreValid!).When(r => r.Settings is not null).WithMessage(ChannelSettings.Rule);
    }
}

internal sealed class UpdateChannelRequestValidator : AbstractValidator<UpdateChannelRequest>
{
    public UpdateChannelRequestValidator()
    {
        RuleFor(r => r.Name).NotEmpty().MaximumLength(200).When(r => r.Name is not null);
        RuleFor(r => r.Brand).NotEmpty().MaximumLength(200).When(r => r.Brand is not null);
        RuleFor(r => r.Settings).Must(ChannelSettings.AreValid!).When(r => r.Settings is not null).WithMessage(ChannelSettings.Rule);
    }
}

internal static class ChannelSettings
{
    public const string Rule = "Settings are at most 50 entries with names of at most 100 characters.";

    public static bool AreValid(Dictionary<string, JsonElement> settings) =>
        settings.Count <= 50 && settings.Keys.All(k => k.Length is > 0 and <= 100);
}
