using System;
using System.Diagnostics.Metrics;

namespace ClickAnalytics.Sinks.DuckDb.Diagnostics;

/// <summary>The DuckDB store's meter, <see cref="MeterName"/>, from <see cref="IMeterFactory"/>.</summary>
internal sealed class DuckDbMetrics
{
    /// <summary>The meter name to listen to.</summary>
    public const string MeterName = "ClickAnalytics.DuckDb";

    private readonly Counter<long> _rowsWritten;
    private readonly Counter<long> _redeliveriesSkipped;
    private readonly Counter<long> _idLookups;
    private readonly Histogram<double> _batchDuration;

    public DuckDbMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        Meter meter = meterFactory.Create(MeterName);
        _rowsWritten = meter.CreateCounter<long>("clickanalytics.duckdb.rows.written", "{click}", "Clicks written into the DuckDB file.");
        _redeliveriesSkipped = meter.CreateCounter<long>(
            "clickanalytics.duckdb.redeliveries.skipped", "{click}", "Clicks of a batch not written again because their event id is already stored.");
        _idLookups = meter.CreateCounter<long>(
            "clickanalytics.duckdb.id.lookups", "{batch}", "Batches whose older clicks had their ids looked up in the file because the store no longer remembered them.");
        _batchDuration = meter.CreateHistogram<double>("clickanalytics.duckdb.batch.duration", "s", "Time to write one batch into the DuckDB file, its transaction included.");
    }

    public void Written(int rows, int skipped, TimeSpan duration)
    {
        _rowsWritten.Add(rows);
        if (skipped > 0)
        {
            _redeliveriesSkipped.Add(skipped);
        }

        _batchDuration.Record(duration.TotalSeconds);
    }

    public void IdLookup() => _idLookups.Add(1);
}
