namespace SocialCare.Api.Tests.Support;

/// <summary>A fixture whose tests share one running hub; each test isolates itself in workspaces of its own.</summary>
public abstract class HubFixture
{
    private string? _ownDatabase;

    protected HubFactory Hub { get; private set; } = null!;

    /// <summary>The database this fixture's hub runs on, for direct reads and writes.</summary>
    protected string ConnectionString => _ownDatabase ?? TestRun.ConnectionString;

    /// <summary>Settings this fixture's hub runs with, over the test defaults.</summary>
    protected virtual IReadOnlyDictionary<string, string?>? Settings => null;

    /// <summary>Whether this fixture gets a database of its own instead of the run's shared one.</summary>
    protected virtual bool OwnDatabase => false;

    /// <summary>Whether the events its hub's database holds are checked against their schemas as the hub stops.</summary>
    protected virtual bool ChecksEvents => true;

    [OneTimeSetUp]
    public async Task StartHub()
    {
        var settings = new Dictionary<string, string?>(Settings ?? new Dictionary<string, string?>());
        if (OwnDatabase)
        {
            _ownDatabase = await TestEnvironment.CreateDatabaseAsync(GetType().Name);
            settings["ConnectionStrings:Postgres"] = _ownDatabase;
        }

        Hub = await new HubFactory(settings) { ChecksEvents = ChecksEvents }.StartAsync();
    }

    [OneTimeTearDown]
    public async Task StopHub()
    {
        await Hub.DisposeAsync();
        if (_ownDatabase is not null)
        {
            await TestEnvironment.DropDatabaseAsync(_ownDatabase);
        }
    }
}
