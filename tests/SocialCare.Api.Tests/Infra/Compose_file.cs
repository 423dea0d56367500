using System.Text.RegularExpressions;

namespace SocialCare.Api.Tests.Infra;

/// <summary>infra/docker-compose.yml, for people with Docker: nothing on other interfaces, no password in the file,
/// data that survives.</summary>
public sealed partial class Compose_file
{
    private static readonly string Text = File.ReadAllText(
        Path.Combine(Support.RepositoryRoot.Path, "infra", "docker-compose.yml")
    );

    [Test]
    public void Every_published_port_is_bound_to_loopback()
    {
        var ports = Ports()
            .Matches(Text)
            .SelectMany(m => m.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries))
            .ToList();
        Assert.That(ports, Is.Not.Empty);
        Assert.That(ports, Is.All.StartsWith("\"127.0.0.1:"));
    }

    [Test]
    public void No_password_or_key_is_written_in_the_file()
    {
        var secrets = Secrets().Matches(Text).Select(m => m.Groups[2].Value.Trim()).ToList();
        Assert.That(
            secrets,
            Has.Count.GreaterThanOrEqualTo(4),
            "POSTGRES_PASSWORD, RABBITMQ_DEFAULT_PASS, Admin__ApiKey, Secrets__Keys__main …"
        );
        Assert.That(
            secrets,
            Is.All.StartsWith("${").And.All.Contain(":?"),
            "each comes from the env file, with no default"
        );
    }

    [Test]
    public void Postgres_and_rabbitmq_keep_their_data_in_volumes()
    {
        Assert.That(
            Text,
            Does.Contain("postgres-data:/var/lib/postgresql/data").And.Contain("rabbitmq-data:/var/lib/rabbitmq")
        );
    }

    [GeneratedRegex(@"ports:\s*\[([^\]]*)\]")]
    private static partial Regex Ports();

    [GeneratedRegex(
        @"^\s*(POSTGRES_PASSWORD|RABBITMQ_DEFAULT_PASS|Admin__ApiKey|Secrets__Keys__\w+):(.*)$",
        RegexOptions.Multiline
    )]
    private static partial Regex Secrets();
}
