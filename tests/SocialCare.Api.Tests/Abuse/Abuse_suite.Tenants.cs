namespace SocialCare.Api.Tests.Abuse;

/// <summary>Another workspace's or another brand's resource must look exactly like one that does not exist.</summary>
public sealed partial class Abuse_suite
{
    [Test]
    public async Task Ids_of_another_workspace_or_brand_answer_exactly_as_unknown_ids_on_every_route()
    {
        var run = new AbuseRun(_world);
        foreach (var operation in _operations.Where(o => o is { IsHook: false, Access.AdminOnly: false }))
        {
            var client = ClientFor(operation);
            foreach (
                var parameter in operation.PathParameters.Where(p =>
                    _world.Attacker.Ids.ContainsKey(Kind(operation, p))
                )
            )
            {
                var kind = Kind(operation, parameter);
                HttpRequestMessage With(Guid id) =>
                    ValidRequest(operation, PathOf(operation, p => p == parameter ? id.ToString() : Own(operation, p)));
                await CompareAsync(
                    run,
                    operation,
                    $"{parameter.Name} of another workspace",
                    client,
                    With(Guid.NewGuid()),
                    With(_world.Victim.Ids[kind])
                );
                if (_world.Beta.TryGetValue(kind, out var beta))
                {
                    await CompareAsync(
                        run,
                        operation,
                        $"{parameter.Name} of another brand",
                        _world.AlphaOnly,
                        With(Guid.NewGuid()),
                        With(beta)
                    );
                }
            }

            foreach (
                var member in operation.Body is null
                    ? []
                    : RequestBodies.Members(operation.Body).Where(m => BodyKind(m) is not null).ToList()
            )
            {
                var kind = BodyKind(member)!;
                HttpRequestMessage With(Guid id) =>
                    ValidRequest(operation, body: RequestBodies.With(Example(operation), member, id.ToString()));
                await CompareAsync(
                    run,
                    operation,
                    $"{member} of another workspace",
                    client,
                    With(Guid.NewGuid()),
                    With(_world.Victim.Ids[kind])
                );
                if (_world.Beta.TryGetValue(kind, out var beta))
                {
                    await CompareAsync(
                        run,
                        operation,
                        $"{member} of another brand",
                        _world.AlphaOnly,
                        With(Guid.NewGuid()),
                        With(beta)
                    );
                }
            }
        }

        Report(run, "ids of another workspace or brand");
    }

    /// <summary>Sends the request with an unknown id, then the one with another tenant's id: their answers must be the
    /// same.</summary>
    private static async Task CompareAsync(
        AbuseRun run,
        ServedOperation operation,
        string name,
        HttpClient client,
        HttpRequestMessage unknown,
        HttpRequestMessage foreign
    )
    {
        var expected = await run.SendAsync(operation, $"{name} (an unknown id, to compare)", client, unknown);
        var answer = await run.SendAsync(operation, name, client, foreign, expected.Status);
        if (answer != expected)
        {
            run.Fail(
                operation,
                name,
                $"answered {answer}, an unknown id {expected}: another tenant's resource must look exactly like a "
                    + "missing one"
            );
        }
    }

    /// <summary>The kind of resource a body member names (<c>channelId</c> → channels), when the world holds
    /// one.</summary>
    private string? BodyKind(BodyMember member) =>
        member is { Type: "string", Path: [.., string name] }
        && member.Schema["format"]?.GetValue<string>() == "uuid"
        && name.EndsWith("Id", StringComparison.Ordinal)
            ? _world.Attacker.Ids.Keys.FirstOrDefault(k => k.StartsWith(name[..^2], StringComparison.Ordinal))
            : null;
}
