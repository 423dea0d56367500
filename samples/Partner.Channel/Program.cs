namespace Partner.Channel;

public static class Program
{
    public static async Task Main(string[] args) => await PartnerApp.Build(args).RunAsync();
}
