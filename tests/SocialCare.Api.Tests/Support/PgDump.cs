using System.Diagnostics;
using Npgsql;

namespace SocialCare.Api.Tests.Support;

/// <summary>Runs the real <c>pg_dump</c> against a database, as an operator's backup would, and returns the
/// dump.</summary>
public static class PgDump
{
    public static async Task<string> RunAsync(string connectionString)
    {
        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        var start = new ProcessStartInfo(
            Binary(),
            [
                "--no-password",
                "-h",
                settings.Host!,
                "-p",
                settings.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "-U",
                settings.Username!,
                settings.Database!,
            ]
        )
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (settings.Password is { } password)
        {
            start.Environment["PGPASSWORD"] = password;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.That(process.ExitCode, Is.Zero, await error);
        return await output;
    }

    /// <summary>The newest PostgreSQL client installed (a dump needs one at least as new as the server), else the one
    /// on PATH.</summary>
    private static string Binary() =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory
                .GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin", "pg_dump"))
                .Where(File.Exists)
                .OrderByDescending(p =>
                    int.TryParse(Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(p))), out var major)
                        ? major
                        : 0
                )
                .FirstOrDefault()
                ?? "pg_dump"
            : "pg_dump";
}
