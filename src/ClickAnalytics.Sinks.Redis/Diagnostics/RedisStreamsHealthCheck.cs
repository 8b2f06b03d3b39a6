using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Buffering;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using ClickAnalytics.Diagnostics;
using ClickAnalytics.Enrichment;
using ClickAnalytics.Processing;
using ClickAnalytics.Sinks.Redis;
using ClickAnalytics.Sinks.Redis.Buffering;
using ClickAnalytics.Sinks.Redis.Enrichment;

namespace ClickAnalytics.Sinks.Redis.Diagnostics;

/// <summary>
/// Health of the Redis Streams buffer: unhealthy when Redis cannot be read, degraded when the
/// consumer group's lag or pending count passes <see cref="RedisStreamsOptions.DegradedLag"/> /
/// <see cref="RedisStreamsOptions.DegradedPending"/>. Add it with
/// <c>services.AddHealthChecks().AddCheck&lt;RedisStreamsHealthCheck&gt;("clickanalytics-redis")</c>.
/// </summary>
public sealed class RedisStreamsHealthCheck : IHealthCheck
{
    private readonly RedisStreamMonitor _monitor;
    private readonly RedisStreamsOptions _options;

    internal RedisStreamsHealthCheck(RedisStreamMonitor monitor, IOptions<RedisStreamsOptions> options)
    {
        _monitor = monitor;
        _options = options.Value;
    }

    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        StreamSnapshot snapshot;
        try
        {
            snapshot = await _monitor.RefreshAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"Redis stream {_options.StreamKey} cannot be read.", ex);
        }

        var data = new Dictionary<string, object>
        {
            ["stream"] = snapshot.Stream,
            ["length"] = snapshot.Length,
            ["trimmed"] = snapshot.Trimmed,
        };
        if (snapshot.Lag is { } lag)
        {
            data["lag"] = lag;
        }

        if (snapshot.Pending is { } pending)
        {
            data["pending"] = pending;
        }

        if (snapshot.Lag >= _options.DegradedLag || snapshot.Pending >= _options.DegradedPending)
        {
            return HealthCheckResult.Degraded($"Consumer group {_options.ConsumerGroup} is behind (lag {snapshot.Lag}, pending {snapshot.Pending}).", data: data);
        }

        return HealthCheckResult.Healthy($"Consumer group {_options.ConsumerGroup} keeps up (lag {snapshot.Lag}, pending {snapshot.Pending}).", data);
    }
}
