using System;
using Microsoft.Extensions.Logging;

namespace ClickAnalytics.Sinks.DuckDb.Diagnostics;

/// <summary>The DuckDB store's log messages; event ids 3000–3099 belong to this package.</summary>
internal static partial class Log
{
    [LoggerMessage(301, LogLevel.Information, "Opened DuckDB file {Path} with {CustomColumns} custom dimension column(s).")]
    public static partial void Opened(ILogger logger, string path, int customColumns);

    [LoggerMessage(302, LogLevel.Information, "Added custom dimension column {Column} to DuckDB file {Path}.")]
    public static partial void ColumnAdded(ILogger logger, string column, string path);

    [LoggerMessage(303, LogLevel.Debug, "Writing a batch of {Count} click(s) to DuckDB file {Path} failed; nothing of it was stored.")]
    public static partial void WriteRolledBack(ILogger logger, Exception exception, int count, string path);

    [LoggerMessage(304, LogLevel.Information, "Dropped {Clicks} raw click(s) of {Day} from DuckDB file {Path}, kept as {RollupRows} hourly rollup row(s), with {DimensionRows} dimension row(s) no longer used; the file went from {SizeBefore} to {SizeAfter} bytes.")]
    public static partial void DayDropped(ILogger logger, long clicks, DateOnly day, long rollupRows, long dimensionRows, string path, long sizeBefore, long sizeAfter);

    [LoggerMessage(305, LogLevel.Information, "Closed DuckDB file {Path}.")]
    public static partial void Closed(ILogger logger, string path);
}
