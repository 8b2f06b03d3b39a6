using System;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace ClickAnalytics.Sinks.Redis.Tests.Support;

/// <summary>
/// The shared <see cref="Eventually"/> with a longer limit: these tests wait for other processes
/// (a consumer claiming after its idle time, a restarted server); the limit only stops a hung test.
/// </summary>
internal static class Wait
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    public static Task UntilAsync(Func<Task<bool>> condition, string what) => Eventually.UntilAsync(condition, Limit, what);

    public static Task UntilAsync(Func<bool> condition, string what) => Eventually.UntilAsync(condition, Limit, what);

    /// <summary>Until the default consumer group has acknowledged everything it read.</summary>
    public static Task UntilNothingPendingAsync(IDatabase db, string stream) =>
        UntilAsync(async () => (await db.StreamPendingAsync(stream, "clickanalytics")).PendingMessageCount == 0, "nothing pending");
}
