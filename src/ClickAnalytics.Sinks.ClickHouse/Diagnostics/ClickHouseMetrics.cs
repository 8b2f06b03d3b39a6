using System;
using System.Diagnostics.Metrics;

namespace ClickAnalytics.Sinks.ClickHouse.Diagnostics;

/// <summary>
/// The store's instruments, on the meter <c>ClickAnalytics.ClickHouse</c> (listed in the package README):
/// <list type="bullet">
/// <item><c>clickanalytics.clickhouse.inserted</c> ({click}): clicks inserted into the raw clicks table;</item>
/// <item><c>clickanalytics.clickhouse.duplicates</c> ({click}): clicks of a batch left out because their event id was stored already;</item>
/// <item><c>clickanalytics.clickhouse.columns.added</c> ({column}): columns added to the raw clicks table;</item>
/// <item><c>clickanalytics.clickhouse.rollup.repaired</c> ({click}): clicks added to a rollup that an interrupted insert had stored in the raw table only;</item>
/// <item><c>clickanalytics.clickhouse.days.dropped</c> ({day}): days whose raw clicks were dropped.</item>
/// </list>
/// </summary>
internal sealed class ClickHouseMetrics
{
    public const string MeterName = "ClickAnalytics.ClickHouse";

    private readonly Counter<long> _inserted;
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _columnsAdded;
    private readonly Counter<long> _rollupRepaired;
    private readonly Counter<long> _daysDropped;

    public ClickHouseMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        Meter meter = meterFactory.Create(MeterName);
        _inserted = meter.CreateCounter<long>("clickanalytics.clickhouse.inserted", "{click}", "Clicks inserted into the raw clicks table.");
        _duplicates = meter.CreateCounter<long>("clickanalytics.clickhouse.duplicates", "{click}", "Clicks of a batch left out because their event id was stored already (redeliveries).");
        _columnsAdded = meter.CreateCounter<long>("clickanalytics.clickhouse.columns.added", "{column}", "Columns added to the raw clicks table for new dimensions.");
        _rollupRepaired = meter.CreateCounter<long>("clickanalytics.clickhouse.rollup.repaired", "{click}", "Clicks added to a rollup that an interrupted insert had stored in the raw table only.");
        _daysDropped = meter.CreateCounter<long>("clickanalytics.clickhouse.days.dropped", "{day}", "Days whose raw clicks were dropped (the rollups keep them).");
    }

    public void Inserted(long count) => _inserted.Add(count);

    public void Duplicates(long count) => _duplicates.Add(count);

    public void ColumnAdded() => _columnsAdded.Add(1);

    public void RollupRepaired(long count) => _rollupRepaired.Add(count);

    public void DayDropped() => _daysDropped.Add(1);
}
