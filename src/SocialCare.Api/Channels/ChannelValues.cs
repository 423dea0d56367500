using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using SocialCare.Api.Infrastructure.Problems;

namespace SocialCare.Api.Channels;

/// <summary>What a channel account stores: plain settings, and write-only secrets.</summary>
public sealed record ChannelValues(Dictionary<string, JsonElement> Settings, Dictionary<string, JsonElement> Secrets);

/// <summary>
/// Turns a create or update into the values to store, by the rules of the channel's type. Which settings are secret is
/// declared per native type (its connector's <see cref="IChannelConnector.SecretSettings"/>), never guessed from a
/// name; a custom type's secrets come in <c>secrets</c>. An API base URL override is a URL the stored token will be
/// sent to, so it must be an allowed target (<see cref="ConnectorOptions.Targets"/>), and changing it needs the token
/// again in the same request: a stored token never goes to a host it was not entered for.
/// </summary>
public sealed class ChannelValueRules(
    ConnectorRegistry connectors,
    [FromKeyedServices(ConnectorOptions.Targets)] Infrastructure.Outbound.OutboundRule targets
)
{
    public async Task<(ChannelValues? Values, ProblemHttpResult? Problem)> ApplyAsync(
        string type,
        ChannelValues? current,
        Dictionary<string, JsonElement>? settings,
        Dictionary<string, JsonElement>? secrets,
        CancellationToken ct
    )
    {
        var connector = connectors.For(type);
        var declared = connectors.SecretSettings(type);
        var errors = new Dictionary<string, string[]>();
        foreach (var name in (secrets ?? []).Keys)
        {
            if (connector is not null && !declared.Contains(name, StringComparer.Ordinal))
            {
                errors[$"secrets.{name}"] =
                [
                    $"'{name}' is not a credential of {type} channel accounts ({string.Join(", ", declared)}); "
                        + "send it in 'settings'.",
                ];
            }
            else if (settings?.ContainsKey(name) == true)
            {
                errors[$"secrets.{name}"] = [$"'{name}' is in both 'settings' and 'secrets'."];
            }
        }

        if (errors.Count > 0)
        {
            return (null, Problem.Validation(errors));
        }

        var next = new ChannelValues(new(current?.Settings ?? []), new(current?.Secrets ?? []));
        var secretChanges = (secrets ?? [])
            .Concat((settings ?? []).Where(s => declared.Contains(s.Key, StringComparer.Ordinal)))
            .ToList();
        Apply(next.Secrets, secretChanges);
        Apply(next.Settings, (settings ?? []).Where(s => !declared.Contains(s.Key, StringComparer.Ordinal)));
        return connector is null
            ? (next, null)
            : (next, await CheckBaseUrlAsync(connector, current, next, secretChanges, ct));
    }

    private async Task<ProblemHttpResult?> CheckBaseUrlAsync(
        IChannelConnector connector,
        ChannelValues? current,
        ChannelValues next,
        List<KeyValuePair<string, JsonElement>> secretChanges,
        CancellationToken ct
    )
    {
        var setting = connector.BaseUrlSetting;
        var url = next.Settings.GetValueOrDefault(setting);
        if (url.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.String))
        {
            return Problem.Validation(
                new Dictionary<string, string[]> { [$"settings.{setting}"] = ["An API base URL is a string."] }
            );
        }

        var to = url.ValueKind == JsonValueKind.String ? url.GetString() : null;
        var from = current?.Settings.GetValueOrDefault(setting) is { ValueKind: JsonValueKind.String } stored
            ? stored.GetString()
            : null;
        if (to == from)
        {
            return null;
        }

        if (to is not null && await targets.CheckAsync(to, ct) is { } refused)
        {
            return Problem.Of(
                StatusCodes.Status422UnprocessableEntity,
                ProblemCodes.TargetNotAllowed,
                "The API base URL is not allowed",
                refused
            );
        }

        // Only an update can send a stored token elsewhere; on create, whatever token comes is entered for this URL.
        var resend = connector
            .SendSettings.Where(s =>
                connector.SecretSettings.Contains(s, StringComparer.Ordinal) && next.Secrets.ContainsKey(s)
            )
            .Where(s => !secretChanges.Any(c => c.Key == s && c.Value.ValueKind == JsonValueKind.String))
            .ToList();
        return current is null || resend.Count == 0
            ? null
            : Problem.Of(
                StatusCodes.Status422UnprocessableEntity,
                ProblemCodes.CredentialsRequired,
                "Send the credentials again with the new API base URL",
                $"Changing '{setting}' would send the stored {string.Join(" and ", resend)} to another host; "
                    + $"send {string.Join(" and ", resend)} again in the same request."
            );
    }

    private static void Apply(
        Dictionary<string, JsonElement> target,
        IEnumerable<KeyValuePair<string, JsonElement>> changes
    )
    {
        foreach (var (name, value) in changes)
        {
            if (value.ValueKind == JsonValueKind.Null)
            {
                target.Remove(name);
            }
            else
            {
                target[name] = value;
            }
        }
    }
}
