using Microsoft.Extensions.Logging;

namespace ClickAnalytics.Sinks.ClickHouse.Diagnostics;

/// <summary>The store's log messages; event ids 1-7 belong to this package.</summary>
internal static partial class Log
{
    [LoggerMessage(201, LogLevel.Information, "ClickHouse {Version}: schema ready (codecs {Codecs}, LowCardinality {LowCardinality}, DateTime64 {DateTime64}, insert dedup tokens {DedupTokens}).")]
    public static partial void SchemaReady(ILogger logger, string version, bool codecs, bool lowCardinality, bool dateTime64, bool dedupTokens);

    [LoggerMessage(202, LogLevel.Information, "ClickHouse migration {Version} ({Name}) applied.")]
    public static partial void MigrationApplied(ILogger logger, int version, string name);

    [LoggerMessage(203, LogLevel.Information, "ClickHouse column {Column} added to the raw clicks table.")]
    public static partial void ColumnAdded(ILogger logger, string column);

    // Event id 4 was the store's own insert retry, removed: the processor's policy retries a failed batch.

    [LoggerMessage(205, LogLevel.Debug, "ClickHouse already stores {Count} click(s) of a batch of {BatchSize}; they are not inserted again.")]
    public static partial void StoredEventsSkipped(ILogger logger, int count, int batchSize);

    [LoggerMessage(206, LogLevel.Warning, "ClickHouse rollup {Table} was {Count} click(s) short of the raw clicks after an interrupted insert; the difference was added.")]
    public static partial void RollupRepaired(ILogger logger, string table, long count);

    [LoggerMessage(207, LogLevel.Information, "ClickHouse raw clicks of {Day} dropped; the rollups keep their counts.")]
    public static partial void DayDropped(ILogger logger, string day);
}
