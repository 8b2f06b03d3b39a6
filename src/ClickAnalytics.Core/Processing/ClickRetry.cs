using System;
using System.Threading.Tasks;
using Polly;
using Polly.Retry;

namespace ClickAnalytics.Processing;

/// <summary>
/// The one retry policy of the pipeline (Polly's retry strategy): exponential backoff from a base
/// delay up to a cap, with jitter so that workers which failed together do not come back together,
/// on the injected <see cref="TimeProvider"/>. It retries any exception but a cancellation.
/// The processor retries sink writes with it; the Redis producer retries sends and the consumer
/// reads with it. Stores never retry on their own.
/// </summary>
internal static class ClickRetry
{
    /// <summary>Retries without end (until cancelled): for loops that must not give up, such as sending to a buffer.</summary>
    public const int Forever = int.MaxValue;

    /// <summary>A pipeline that makes at most <paramref name="maxAttempts"/> attempts (the first included).</summary>
    /// <param name="maxAttempts">Attempts in all; 1 means no retry; <see cref="Forever"/> retries until cancelled.</param>
    /// <param name="baseDelay">Delay before the first retry; it doubles with each further one.</param>
    /// <param name="maxDelay">Longest delay between two attempts.</param>
    /// <param name="timeProvider">The clock the delays run on.</param>
    /// <param name="onRetry">Called before each delay, with the failure and the delay (for logs and metrics).</param>
    public static ResiliencePipeline Create(int maxAttempts, TimeSpan baseDelay, TimeSpan maxDelay, TimeProvider timeProvider, Func<OnRetryArguments<object>, ValueTask>? onRetry = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        ArgumentNullException.ThrowIfNull(timeProvider);
        if (maxAttempts == 1)
        {
            return ResiliencePipeline.Empty;
        }

        return new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = maxAttempts == Forever ? int.MaxValue : maxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = baseDelay,
                MaxDelay = maxDelay > baseDelay ? maxDelay : (baseDelay > TimeSpan.Zero ? baseDelay : null),
                ShouldHandle = static args => ValueTask.FromResult(args.Outcome.Exception is { } error && error is not OperationCanceledException),
                OnRetry = onRetry,
            })
            .Build();
    }
}
