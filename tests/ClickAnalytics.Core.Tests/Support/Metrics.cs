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
