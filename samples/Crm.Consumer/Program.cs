using Microsoft.Extensions.Hosting;

namespace Crm.Consumer;

public static class Program
{
    public static async Task Main(string[] args) => await CrmHost.Build(args).RunAsync();
}
