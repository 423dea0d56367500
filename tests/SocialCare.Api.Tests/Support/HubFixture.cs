namespace SocialCare.Api.Tests.Support;

/// <summary>A fixture whose tests share one running hub; each test isolates itself in workspaces of its own.</summary>
public abstract class HubFixture
{
    protected HubFactory Hub { get; private set; } = null!;

    /// <summary>Settings this fixture's hub runs with, over the test defaults.</summary>
    protected virtual IReadOnlyDictionary<string, string?>? Settings => null;

    [OneTimeSetUp]
    public async Task StartHub() => Hub = await new HubFactory(Settings).StartAsync();

    [OneTimeTearDown]
    public async Task StopHub() => await Hub.DisposeAsync();
}
