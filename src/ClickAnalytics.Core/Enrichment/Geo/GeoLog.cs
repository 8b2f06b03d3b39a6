using System;
using Microsoft.Extensions.Logging;

namespace ClickAnalytics.Diagnostics;

internal static partial class Log
{
    [LoggerMessage(401, LogLevel.Information, "Opened IP database {Path} ({Build}).")]
    public static partial void GeoDatabaseOpened(ILogger logger, string path, string build);

    [LoggerMessage(402, LogLevel.Warning, "IP database {Path} does not exist; clicks are not located until it appears.")]
    public static partial void GeoDatabaseMissing(ILogger logger, string path);

    [LoggerMessage(403, LogLevel.Error, "IP database {Path} could not be opened; the previous file (if any) stays in use.")]
    public static partial void GeoDatabaseOpenFailed(ILogger logger, Exception exception, string path);
}
