using System;
using System.Linq;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace ClickAnalytics.Core.Tests.Support;

internal static class Metrics
{
    public static long Sum(this MetricCollector<long> collector, string? tag = null, string? value = null) =>
        collector.GetMeasurementSnapshot()
            .Where(m => tag is null || Equals(m.Tags.TryGetValue(tag, out object? v) ? v : null, value))
            .Sum(m => m.Value);
}

internal static class Eventually
{
    /// <summary>Waits until <paramref name="condition"/> holds; fails after a generous bound (not a speed check).</summary>
    public static void True(Func<bool> condition, string because)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting: {because}");
            }

            System.Threading.Thread.Sleep(5);
        }
    }
}
