using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ClickAnalytics.Sinks.Parquet;

/// <summary>Runs <see cref="IClickArchive.ArchiveDueDaysAsync"/> at start and then every <see cref="ParquetArchiveOptions.Interval"/>; a failed run is logged and tried again at the next one.</summary>
internal sealed partial class ClickArchiveService(IClickArchive archive, IOptions<ParquetArchiveOptions> options, TimeProvider time, ILogger<ClickArchiveService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await archive.ArchiveDueDaysAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                Log.RunFailed(logger, ex, options.Value.Interval);
            }

            await Task.Delay(options.Value.Interval, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(603, LogLevel.Error, "Archiving raw clicks failed; nothing was dropped that is not archived. Trying again in {Interval}.")]
        public static partial void RunFailed(ILogger logger, Exception exception, TimeSpan interval);
    }
}
