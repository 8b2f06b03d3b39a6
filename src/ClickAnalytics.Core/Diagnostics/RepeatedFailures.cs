using System;
using System.Threading;

namespace ClickAnalytics.Diagnostics;

/// <summary>What to log about one more failure of something that keeps failing.</summary>
internal enum FailureLog
{
    /// <summary>Nothing: it was said recently.</summary>
    None,

    /// <summary>The first failure of an outage: log it with its exception and stack.</summary>
    First,

    /// <summary>A reminder: log the count since the last one, without the stack.</summary>
    Summary,
}

/// <summary>
/// Keeps a failing dependency from flooding the log: the first failure of an outage is logged in
/// full, later ones as one summary line per <c>interval</c> (how many, the last error), and the
/// recovery with the outage's length. Thread-safe.
/// </summary>
internal sealed class RepeatedFailures(TimeProvider time, TimeSpan interval)
{
    private readonly Lock _lock = new();
    private long _failures;
    private long _sinceSummary;
    private DateTimeOffset _started;
    private DateTimeOffset _lastLog;

    /// <summary>Counts a failure and says what to log; <paramref name="count"/> is the failures since the last line.</summary>
    public FailureLog Failed(out long count)
    {
        DateTimeOffset now = time.GetUtcNow();
        lock (_lock)
        {
            _failures++;
            _sinceSummary++;
            if (_failures == 1)
            {
                _started = _lastLog = now;
                count = 1;
                _sinceSummary = 0;
                return FailureLog.First;
            }

            if (now - _lastLog < interval)
            {
                count = 0;
                return FailureLog.None;
            }

            count = _sinceSummary;
            _sinceSummary = 0;
            _lastLog = now;
            return FailureLog.Summary;
        }
    }

    /// <summary>Ends the outage; returns how many failures it had and how long it lasted (zero when there was none).</summary>
    public (long Failures, TimeSpan Duration) Recovered()
    {
        lock (_lock)
        {
            (long, TimeSpan) outage = (_failures, _failures == 0 ? TimeSpan.Zero : time.GetUtcNow() - _started);
            _failures = 0;
            _sinceSummary = 0;
            return outage;
        }
    }
}
