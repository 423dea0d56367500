using SocialCare.Client;

namespace Marketing.Listener;

public static class Program
{
    /// <summary>marketing-listener [rabbit host] [rabbit port] [hub url] [api key]</summary>
    public static async Task Main(string[] args)
    {
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        var options = new ListenerOptions
        {
            RabbitHost = args.ElementAtOrDefault(0) ?? Environment.GetEnvironmentVariable("RABBIT_HOST") ?? "127.0.0.1",
            RabbitPort = int.Parse(
                args.ElementAtOrDefault(1) ?? Environment.GetEnvironmentVariable("RABBIT_PORT") ?? "55672",
                System.Globalization.CultureInfo.InvariantCulture
            ),
            HubUrl = args.ElementAtOrDefault(2) ?? Environment.GetEnvironmentVariable("HUB_URL"),
            ApiKey = args.ElementAtOrDefault(3) ?? Environment.GetEnvironmentVariable("HUB_API_KEY"),
            Queue = Environment.GetEnvironmentVariable("MARKETING_QUEUE") ?? "marketing.resolutions",
        };
        var hub =
            options.HubUrl is null || options.ApiKey is null
                ? null
                : SocialCareClientFactory.Create(new Uri(options.HubUrl), options.ApiKey);
        await new ResolutionListener(options, hub, Console.WriteLine).RunAsync(stop.Token);
    }
}
