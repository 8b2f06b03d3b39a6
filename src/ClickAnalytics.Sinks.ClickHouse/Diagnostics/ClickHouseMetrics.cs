using System;
using System.Diagnostics.Metrics;

namespace ClickAnalytics.Sinks.ClickHouse.Diagnostics;

/// <summary>The store's instruments, on the meter <c>ClickAnalytics.ClickHouse</c>.</summary>
internal sealed class ClickHouseMetrics
{
    public const string MeterName = "ClickAnalytics.ClickHouse";

    private readonly Counter<long> _inserted;
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _columnsAdded;
    private readonly Counter<long> _rollupRepaired;

    public ClickHouseMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        Meter meter = meterFactory.Create(MeterName);
        _inserted = meter.CreateCounter<long>("clickanalytics.clickhouse.inserted", "{click}", "Clicks inserted into the raw clicks table.");
        _duplicates = meter.CreateCounter<long>("clickanalytics.clickhouse.duplicates", "{click}", "Clicks of a batch left out because their event id was stored already (redeliveries).");
        _retries = meter.CreateCounter<long>("clickanalytics.clickhouse.insert.retries", "{retry}", "Inserts tried again after a transient error.");
        _columnsAdded = meter.CreateCounter<long>("clickanalytics.clickhouse.columns.added", "{column}", "Columns added to the raw clicks table for new dimensions.");
        _rollupRepaired = meter.CreateCounter<long>("clickanalytics.clickhouse.rollup.repaired", "{click}", "Clicks added to a rollup that an interrupted insert had stored in the raw table only.");
    }

    public void Inserted(long count) => _inserted.Add(count);

    public void Duplicates(long count) => _duplicates.Add(count);

    public void Retry() => _retries.Add(1);

    public void ColumnAdded() => _columnsAdded.Add(1);

    public void RollupRepaired(long count) => _rollupRepaired.Add(count);
}
