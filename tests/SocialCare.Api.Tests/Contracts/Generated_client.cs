using System.Diagnostics;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Contracts;

/// <summary>
/// The C# client in contracts/SocialCare.Client/Generated is Kiota's output for the checked-in document, byte for byte:
/// its generator (generate.sh, Kiota pinned in dotnet-tools.json) run into a copy of the tree reproduces every file.
/// After a change to the document, <c>./infra/dev.sh contracts</c> regenerates both.
/// </summary>
public sealed class Generated_client
{
    private static readonly string Client = Path.Combine(RepositoryRoot.Path, "contracts", "SocialCare.Client");

    [Test]
    public async Task The_checked_in_client_is_what_the_generator_makes_of_the_checked_in_document()
    {
        var copy = Directory.CreateTempSubdirectory("client-");
        try
        {
            var document = Path.Combine(copy.FullName, "contracts", "openapi", "v1.json");
            Directory.CreateDirectory(Path.GetDirectoryName(document)!);
            File.Copy(CheckedInContracts.Path("openapi", "v1.json"), document);
            var (exit, output) = await GenerateAsync(copy.FullName);
            Assert.That(exit, Is.Zero, output);

            var generated = Files(Path.Combine(copy.FullName, "contracts", "SocialCare.Client", "Generated"));
            var checkedIn = Files(Path.Combine(Client, "Generated"));
            var differing = generated
                .Keys.Intersect(checkedIn.Keys)
                .Where(file => !File.ReadAllBytes(generated[file]).SequenceEqual(File.ReadAllBytes(checkedIn[file])))
                .ToList();
            const string Fix = "run ./infra/dev.sh contracts and commit contracts/SocialCare.Client/Generated";
            Assert.Multiple(() =>
            {
                Assert.That(
                    generated.Keys.Except(checkedIn.Keys),
                    Is.Empty,
                    $"missing from the checked-in client: {Fix}"
                );
                Assert.That(checkedIn.Keys.Except(generated.Keys), Is.Empty, $"no longer generated: {Fix}");
                Assert.That(differing, Is.Empty, $"stale: {Fix}");
            });
        }
        finally
        {
            copy.Delete(recursive: true);
        }
    }

    /// <summary>Every file under <paramref name="directory"/>, keyed by its path relative to it.</summary>
    private static Dictionary<string, string> Files(string directory) =>
        Directory
            .EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .ToDictionary(file => Path.GetRelativePath(directory, file), StringComparer.Ordinal);

    private static async Task<(int ExitCode, string Output)> GenerateAsync(string root)
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(Client, "generate.sh"), root])
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
