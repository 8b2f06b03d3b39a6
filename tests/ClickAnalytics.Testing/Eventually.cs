using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace ClickAnalytics.Testing;

/// <summary>
/// The one way a test waits for something that happens in the background (a click reaching a store,
/// a consumer claiming an entry): it asks again until the answer is yes or the time is up, then fails
/// saying what it waited for. A test that waits for something not to happen uses a deterministic
/// signal instead (a drained processor, a stopped host), never a pause.
/// </summary>
public static class Eventually
{
    /// <summary>How long a test waits by default: generous, because a loaded machine is slow, and only spent when the test fails.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);

    /// <summary>Asks <paramref name="condition"/> until it is true; fails with <paramref name="what"/> when <paramref name="timeout"/> passes first.</summary>
    /// <param name="condition">The question, asked again after each short pause.</param>
    /// <param name="timeout">How long to keep asking.</param>
    /// <param name="what">What is awaited, as the failure message says it (for example "the batch is stored").</param>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var clock = Stopwatch.StartNew();
        while (!await condition().ConfigureAwait(false))
        {
            if (clock.Elapsed >= timeout)
            {
                Assert.Fail($"Waited {timeout.TotalSeconds:0.#} s for {what}, which did not happen.");
            }

            await Task.Delay(Interval).ConfigureAwait(false);
        }
    }

    /// <summary>Asks <paramref name="condition"/> until it is true, for <see cref="DefaultTimeout"/>.</summary>
    /// <param name="condition">The question, asked again after each short pause.</param>
    /// <param name="what">What is awaited, as the failure message says it.</param>
    public static Task UntilAsync(Func<Task<bool>> condition, string what) => UntilAsync(condition, DefaultTimeout, what);

    /// <summary>
    /// Asks <paramref name="condition"/> until it is true, for <see cref="DefaultTimeout"/>, blocking the
    /// calling thread between questions: for synchronous tests; an async test awaits <see cref="UntilAsync(Func{Task{bool}}, string)"/>.
    /// </summary>
    /// <param name="condition">The question.</param>
    /// <param name="what">What is awaited, as the failure message says it.</param>
    public static void True(Func<bool> condition, string what)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed >= DefaultTimeout)
            {
                Assert.Fail($"Waited {DefaultTimeout.TotalSeconds:0.#} s for {what}, which did not happen.");
            }

            Thread.Sleep(Interval);
        }
    }

    /// <summary>Asks a synchronous <paramref name="condition"/> until it is true; fails with <paramref name="what"/> when <paramref name="timeout"/> passes first.</summary>
    /// <param name="condition">The question.</param>
    /// <param name="timeout">How long to keep asking.</param>
    /// <param name="what">What is awaited, as the failure message says it.</param>
    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return UntilAsync(() => Task.FromResult(condition()), timeout, what);
    }
}
