using System;
using System.Threading.Tasks;

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

    public static Task UntilAsync(Func<bool> condition, string what) =>
        UntilAsync(() => Task.FromResult(condition()), what);
}
