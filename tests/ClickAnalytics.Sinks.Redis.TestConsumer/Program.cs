using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics;
using ClickAnalytics.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// Usage: TestConsumer REDIS STREAM GROUP OUTPUT_FILE SINK_DELAY_MS BATCH_SIZE CLAIM_IDLE_MS [STALL_AFTER_BATCHES]
// Consumes the stream in the group and appends the event id of every stored click to OUTPUT_FILE
// (flushed to disk before the batch is acknowledged). With STALL_AFTER_BATCHES, every batch after
// that many never finishes storing, so the process holds it unacknowledged until it is killed.
// Prints "consumer ready" once started.
if (args.Length is not (7 or 8))
{
    Console.Error.WriteLine("usage: TestConsumer REDIS STREAM GROUP OUTPUT_FILE SINK_DELAY_MS BATCH_SIZE CLAIM_IDLE_MS [STALL_AFTER_BATCHES]");
    return 2;
}

int stallAfter = args.Length == 8 ? int.Parse(args[7], CultureInfo.InvariantCulture) : int.MaxValue;

HostApplicationBuilder builder = Host.CreateApplicationBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddSingleton(new FileSinkSettings(args[3], int.Parse(args[4], CultureInfo.InvariantCulture), stallAfter));
builder.Services
    .AddClickAnalytics(o =>
    {
        o.BatchSize = int.Parse(args[5], CultureInfo.InvariantCulture);
        o.BatchMaxWait = TimeSpan.Zero;
        o.SinkMaxAttempts = 1;
    })
    .UseRedisStreams(o =>
    {
        o.Configuration = args[0];
        o.StreamKey = args[1];
        o.DeadLetterStreamKey = args[1] + ":dead";
        o.ConsumerGroup = args[2];
        o.PollInterval = TimeSpan.FromMilliseconds(20);
        o.ClaimIdleTime = TimeSpan.FromMilliseconds(int.Parse(args[6], CultureInfo.InvariantCulture));
    })
    .AddSink<FileSink>();

using IHost host = builder.Build();
await host.StartAsync().ConfigureAwait(false);
Console.WriteLine("consumer ready");
await host.WaitForShutdownAsync().ConfigureAwait(false);
return 0;

internal sealed record FileSinkSettings(string Path, int DelayMilliseconds, int StallAfterBatches);

internal sealed class FileSink(FileSinkSettings settings) : IClickSink, IDisposable
{
    private readonly FileStream _file = new(settings.Path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
    private readonly SemaphoreSlim _lock = new(1, 1);
    private int _batches;

    public string Name => "file";

    public async ValueTask WriteAsync(IReadOnlyList<EnrichedClick> clicks, CancellationToken cancellationToken)
    {
        // The delay comes first, so a kill lands while the batch is read but not yet stored.
        await Task.Delay(settings.DelayMilliseconds, cancellationToken).ConfigureAwait(false);
        if (Interlocked.Increment(ref _batches) > settings.StallAfterBatches)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }

        var text = new StringBuilder();
        foreach (EnrichedClick click in clicks)
        {
            text.Append(click.Click.EventId.ToString("N")).Append('\n');
        }

        byte[] bytes = Encoding.ASCII.GetBytes(text.ToString());
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _file.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            _file.Flush(flushToDisk: true);
        }
        finally
        {
            _lock.Release();
        }
    }

    public void Dispose()
    {
        _file.Dispose();
        _lock.Dispose();
    }
}
