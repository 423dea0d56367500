namespace SocialCare.Api.Tests.Support;

/// <summary>Waits for a condition instead of sleeping a fixed time: fast when the machine is fast, patient when it is
/// loaded.</summary>
public static class Eventually
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    public static async Task<T> Until<T>(
        Func<Task<T>> probe,
        Func<T, bool> done,
        TimeSpan? timeout = null,
        string? what = null
    )
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        using var timer = new PeriodicTimer(Interval);
        var value = await probe();
        while (!done(value))
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting for {what ?? "the condition"}; last value: {value}");
            }

            await timer.WaitForNextTickAsync();
            value = await probe();
        }

        return value;
    }
}
