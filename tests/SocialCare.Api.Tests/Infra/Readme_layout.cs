using System.Text.RegularExpressions;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Infra;

/// <summary>The README's layout table is the map a new engineer reads first: it names every folder of the hub, and
/// nothing that is gone.</summary>
public sealed partial class Readme_layout
{
    private const string Hub = "src/SocialCare.Api";

    [Test]
    public void The_layout_table_names_every_folder_of_the_hub_and_only_folders_that_exist()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "README.md"));
        var layout = readme[readme.IndexOf("## Layout", StringComparison.Ordinal)..];
        layout = layout[..layout.IndexOf("\n## ", 1, StringComparison.Ordinal)];
        var named = Row().Matches(layout).Select(m => m.Groups[1].Value).ToList();

        var folders = Directory
            .GetDirectories(Path.Combine(RepositoryRoot.Path, Hub))
            .Select(d => $"{Hub}/{Path.GetFileName(d)}")
            .Where(d =>
                !d.EndsWith("/bin", StringComparison.Ordinal)
                && !d.EndsWith("/obj", StringComparison.Ordinal)
                && !d.EndsWith("/Properties", StringComparison.Ordinal)
            );
        Assert.Multiple(() =>
        {
            Assert.That(folders, Is.SubsetOf(named), "every folder of the hub has its row");
            Assert.That(
                named.Where(path =>
                    !Directory.Exists(Path.Combine(RepositoryRoot.Path, path.Split(',')[0]))
                    && !File.Exists(Path.Combine(RepositoryRoot.Path, path))
                ),
                Is.Empty,
                "every row names something that exists"
            );
        });
    }

    [GeneratedRegex(@"^\| `([^`]+)`", RegexOptions.Multiline)]
    private static partial Regex Row();
}
