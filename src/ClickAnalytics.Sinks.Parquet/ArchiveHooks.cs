using System;
using System.Threading;

namespace ClickAnalytics.Sinks.Parquet;

/// <summary>
/// Named points of a day's archiving that a crash test can stop a process at:
/// <c>CLICKANALYTICS_ARCHIVE_HALT_AT</c> names one, and the process blocks there for good after
/// writing the point's name to the file <c>CLICKANALYTICS_ARCHIVE_HALT_SIGNAL</c>, so the test
/// kills it exactly there. With <c>CLICKANALYTICS_ARCHIVE_HALT_MODE=signal</c> it writes the file
/// and goes on, so the kill lands in the step that follows. Without the variables the hooks do nothing.
/// </summary>
internal static class ArchiveHooks
{
    public const string BeforeUpload = "before-upload";
    public const string AfterUpload = "after-upload";
    public const string BeforeDrop = "before-drop";

    private static readonly string? HaltAt = Environment.GetEnvironmentVariable("CLICKANALYTICS_ARCHIVE_HALT_AT");

    public static void Reached(string point)
    {
        if (HaltAt is null || !string.Equals(HaltAt, point, StringComparison.Ordinal))
        {
            return;
        }

        if (Environment.GetEnvironmentVariable("CLICKANALYTICS_ARCHIVE_HALT_SIGNAL") is { Length: > 0 } signal)
        {
            System.IO.File.WriteAllText(signal, point);
        }

        if (Environment.GetEnvironmentVariable("CLICKANALYTICS_ARCHIVE_HALT_MODE") != "signal")
        {
            Thread.Sleep(Timeout.Infinite);
        }
    }
}
