using System.Text.Json;
using System.Text.Json.Nodes;

namespace SocialCare.Api.Tests.Support;

/// <summary>
/// Checked-in contracts must equal what the code produces. After an intended change, regenerate them with
/// <c>./infra/dev.sh contracts</c> (which sets UPDATE_CONTRACTS=1) and commit the result.
/// </summary>
internal static class CheckedInContracts
{
    public static bool Updating => Environment.GetEnvironmentVariable("UPDATE_CONTRACTS") == "1";

    public static string Path(params string[] parts) =>
        System.IO.Path.Combine([RepositoryRoot.Path, "contracts", .. parts]);

    /// <summary>Writes <paramref name="produced"/> when updating; then asserts the checked-in file equals it.</summary>
    public static async Task AssertMatchesAsync(JsonNode produced, string path)
    {
        if (Updating)
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            await File.WriteAllTextAsync(
                path,
                produced.ToJsonString(
                    new JsonSerializerOptions
                    {
                        WriteIndented = true,
                        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
                    }
                ) + "\n"
            );
        }

        Assert.That(File.Exists(path), Is.True, $"{path} is missing: run ./infra/dev.sh contracts");
        Assert.That(
            JsonNode.DeepEquals(produced, JsonNode.Parse(await File.ReadAllTextAsync(path))),
            Is.True,
            $"{path} differs from what the code produces. If the change is intended, run ./infra/dev.sh contracts "
                + "and commit the result."
        );
    }
}
