using System;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace ClickAnalytics.Sinks.Redis.Tests.Support;

/// <summary>Waits for a condition that other processes or threads bring about; the limit only stops a hung test.</summary>
internal static class Wait
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    public static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        DateTime end = DateTime.UtcNow + Limit;
        while (!await condition())
        {
            if (DateTime.UtcNow > end)
            {
                Assert.Fail($"Gave up waiting: {what}.");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Until the default consumer group has acknowledged everything it read.</summary>
    public static Task UntilNothingPendingAsync(IDatabase db, string stream) =>
        UntilAsync(async () => (await db.StreamPendingAsync(stream, "clickanalytics")).PendingMessageCount == 0, "nothing pending");

    public static Task UntilAsync(Func<bool> condition, string what) =>
        UntilAsync(() => Task.FromResult(condition()), what);
}
