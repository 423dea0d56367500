namespace Billing.Webhooks;

public static class Program
{
    public static async Task Main(string[] args) => await BillingApp.Build(args).RunAsync();
}
