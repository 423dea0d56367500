using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests;

/// <summary>Applies to every fixture under this namespace: one fresh database for the whole test run, dropped at the
/// end; fixtures isolate themselves by workspace.</summary>
[SetUpFixture]
public sealed class TestRun
{
    public static string ConnectionString { get; private set; } = string.Empty;

    [OneTimeSetUp]
    public async Task CreateDatabase() => ConnectionString = await TestEnvironment.CreateDatabaseAsync("run");

    [OneTimeTearDown]
    public async Task DropDatabase() => await TestEnvironment.DropDatabaseAsync(ConnectionString);
}
