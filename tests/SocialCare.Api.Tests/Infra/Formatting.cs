using System.Diagnostics;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Infra;

/// <summary>
/// The C# is laid out by one formatter (CSharpier, 120 columns: <c>.csharpierrc.yaml</c>), so that a change shows what
/// it changes and not how its author wraps lines. <c>dotnet csharpier format .</c> puts a tree right.
/// </summary>
public sealed class Formatting
{
    [Test]
    public async Task The_code_is_as_the_formatter_lays_it_out()
    {
        var (restored, restoreOutput) = await RunAsync("tool restore");
        Assert.That(restored, Is.Zero, restoreOutput);
        var (checkedOut, output) = await RunAsync("csharpier check .");
        Assert.That(checkedOut, Is.Zero, $"run `dotnet csharpier format .`:\n{output}");
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string arguments)
    {
        var start = new ProcessStartInfo("dotnet", arguments)
        {
            WorkingDirectory = RepositoryRoot.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await errors);
    }
}
