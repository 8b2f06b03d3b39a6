using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Buffering;
using ClickAnalytics.Querying;
using ClickAnalytics.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace ClickAnalytics.Diagnostics;

/// <summary>
/// The pipeline's health: unhealthy when batches could not be stored in the last five minutes,
/// degraded when clicks were dropped then (buffer full, buffer unavailable, shutdown) or the
/// in-process buffer is more than 80 % full. Registered by <c>AddClickAnalytics()</c> as
/// <c>clickanalytics-processor</c>.
/// </summary>
internal sealed class ProcessorHealthCheck(ClickAnalyticsMetrics metrics, IClickBufferReader buffer, IOptions<ClickAnalyticsOptions> options) : IHealthCheck
{
    public const string Name = "clickanalytics-processor";
    private const int WindowMinutes = 5;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        (long failed, string? error) = metrics.RecentFailures.Last(WindowMinutes);
        (long dropped, string? reason) = metrics.RecentDrops.Last(WindowMinutes);
        long waiting = buffer.Count;
        int capacity = options.Value.BufferCapacity;
        var data = new Dictionary<string, object>
        {
            ["failed_clicks_5m"] = failed,
            ["dropped_clicks_5m"] = dropped,
            ["buffered"] = waiting,
            ["capacity"] = capacity,
        };
        if (failed > 0)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy(
                $"{failed} clicks could not be stored in the last {WindowMinutes} minutes (last error: {error}).", data: data));
        }

        if (dropped > 0)
        {
            return Task.FromResult(HealthCheckResult.Degraded(
                $"{dropped} clicks were dropped in the last {WindowMinutes} minutes (last reason: {reason}).", data: data));
        }

        if (options.Value.ProcessingEnabled && waiting > capacity * 0.8)
        {
            return Task.FromResult(HealthCheckResult.Degraded($"The buffer is {waiting * 100 / capacity} % full ({waiting} of {capacity}).", data: data));
        }

        return Task.FromResult(HealthCheckResult.Healthy($"No click lost in the last {WindowMinutes} minutes; {waiting} buffered.", data));
    }
}

/// <summary>
/// A store's health: it answers a query over one second (which every store can do in a few
/// milliseconds) within the check's timeout. Registered for every store as
/// <c>clickanalytics-store-{name}</c>.
/// </summary>
internal sealed class StoreHealthCheck(IClickStore store, TimeProvider time) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await StoreProbe.AnswersAsync(store, time, cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy($"Store {store.Name} answers.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"Store {store.Name} does not answer: {ex.Message}", ex);
        }
    }
}

/// <summary>The cheapest question a store answers: a count over one second.</summary>
internal static class StoreProbe
{
    /// <summary>Asks the store; true when it answered (it throws otherwise).</summary>
    public static async Task<bool> AnswersAsync(IClickStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        DateTime now = time.GetUtcNow().UtcDateTime;
        DateTime start = new(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
        await store.Queries.AggregateAsync(
            new ClickAggregationRequest
            {
                Start = start,
                End = start.AddSeconds(1),
                Offsets = [new UtcOffsetChange(start, TimeSpan.Zero)],
                Dimensions = [],
                Metrics = [ClickMetrics.Clicks],
                Order = [],
            },
            cancellationToken).ConfigureAwait(false);
        return true;
    }
}
