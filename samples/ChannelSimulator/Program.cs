using System.Globalization;
using SocialCare.Client;
using SocialCare.Client.Models;
using SocialCare.FakePlatform;

namespace ChannelSimulator;

/// <summary>
/// channel-simulator demo --hub URL --admin-key KEY [--rabbit-host H --rabbit-port P --crm-database CS]
/// channel-simulator simulate --hub URL --key KEY [--rate N --seconds S] (a key with channels:manage)
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        string Arg(string name, string? fallback = null) =>
            args.SkipWhile(a => a != name).Skip(1).FirstOrDefault()
            ?? fallback
            ?? throw new ArgumentException($"{name} is required.");
        var hubUrl = new Uri(Arg("--hub", "http://127.0.0.1:8080"));
        try
        {
            switch (args.FirstOrDefault())
            {
                case "demo":
                    var settings = new DemoSettings(
                        hubUrl,
                        Arg("--admin-key"),
                        Arg("--rabbit-host", "127.0.0.1"),
                        int.Parse(Arg("--rabbit-port", "55672"), CultureInfo.InvariantCulture),
                        Arg("--crm-database", "Host=127.0.0.1;Port=55432;Username=postgres;Database=crm")
                    );
                    var outcome = await new DemoStory(settings, Console.WriteLine).RunAsync(stop.Token);
                    return outcome.ActionsByApp.Count >= 5 ? 0 : 1;
                case "simulate":
                    using (var hub = new HubApi(hubUrl, Arg("--key")))
                    {
                        await using var platform = await FakePlatform.StartAsync();
                        await new Simulation(hub, platform, Console.WriteLine).RunAsync(
                            int.Parse(Arg("--rate", "20"), CultureInfo.InvariantCulture),
                            TimeSpan.FromSeconds(int.Parse(Arg("--seconds", "30"), CultureInfo.InvariantCulture)),
                            stop.Token
                        );
                    }

                    return 0;
                default:
                    Console.Error.WriteLine(
                        "usage: channel-simulator demo --hub URL --admin-key KEY | simulate --hub URL --key KEY "
                            + "[--rate N --seconds S]"
                    );
                    return 2;
            }
        }
        catch (Problem problem)
        {
            // The generated exception's message says nothing; the problem's fields say what the hub refused and why.
            Console.Error.WriteLine($"the hub refused a call: {problem.Describe()}");
            return 1;
        }
    }
}
