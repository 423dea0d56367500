namespace SocialCare.Api.Tests.Support;

/// <summary>The checkout the tests run from: for tests of what ships beside the code (README, infra/).</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(System.IO.Path.Combine(directory.FullName, "SocialCareApi.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName
            ?? throw new DirectoryNotFoundException("The repository root (SocialCareApi.sln) is not above the tests.");
    }
}
