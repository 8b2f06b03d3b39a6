using System;
using System.Diagnostics.Metrics;
using System.Threading;

namespace ClickAnalytics.LoadHost;

/// <summary>
/// Reads the pipeline's own counters the way any metrics exporter would (a <see cref="MeterListener"/>
/// on the <c>clickanalytics.*</c> instruments), so the harness sees every click the pipeline counted
/// as captured, dropped or failed, without reaching into its internals.
/// </summary>
internal sealed class PipelineCounters : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _captured;
    private long _dropped;
    private long _failed;

    public PipelineCounters()
    {
        _listener.InstrumentPublished = static (instrument, listener) =>
        {
            if (instrument.Name is "clickanalytics.clicks.captured" or "clickanalytics.buffer.dropped" or "clickanalytics.clicks.failed")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            switch (instrument.Name)
            {
                case "clickanalytics.clicks.captured": Interlocked.Add(ref _captured, value); break;
                case "clickanalytics.buffer.dropped": Interlocked.Add(ref _dropped, value); break;
                default: Interlocked.Add(ref _failed, value); break;
            }
        });
        _listener.Start();
    }

    public long Captured => Interlocked.Read(ref _captured);

    public long Dropped => Interlocked.Read(ref _dropped);

    public long Failed => Interlocked.Read(ref _failed);

    public void Dispose() => _listener.Dispose();
}
