using System;
using System.IO;
using System.Threading;
using ClickAnalytics.Diagnostics;
using Microsoft.Extensions.Logging;

namespace ClickAnalytics.Enrichment.Geo;

/// <summary>
/// One configured database path and the file currently open for it. Between batches it checks
/// whether the file was replaced and swaps the new one in; lookups in flight keep using the old
/// one until they release it, so no click waits for a reload and none is located by a closed file.
/// </summary>
internal sealed class GeoDatabaseSlot : IDisposable
{
    private readonly string _path;
    private readonly TimeSpan _checkInterval;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Lock _reloadLock = new();
    private GeoDatabaseFile? _current;
    private long _nextCheck;
    private FileStamp _failedStamp;
    private bool _disposed;

    public GeoDatabaseSlot(string path, TimeSpan checkInterval, TimeProvider timeProvider, ILogger logger)
    {
        _path = System.IO.Path.GetFullPath(path);
        _checkInterval = checkInterval;
        _timeProvider = timeProvider;
        _logger = logger;
        _nextCheck = timeProvider.GetTimestamp();
        TryReload(FileStamp.Of(_path));
    }

    public string Path => _path;

    /// <summary>The file to use for one batch, with a lease the caller must release; null when there is none.</summary>
    public GeoDatabaseFile? Acquire()
    {
        while (true)
        {
            GeoDatabaseFile? file = Volatile.Read(ref _current);
            if (file is null)
            {
                return null;
            }

            if (file.TryAcquire())
            {
                return file;
            }

            // Lost a race with a swap: the slot already holds the newer file.
        }
    }

    /// <summary>
    /// Reopens the file when it changed on disk, at most once per check interval. A worker that
    /// finds another one reloading goes on with the current file instead of waiting.
    /// </summary>
    public void CheckForReplacement()
    {
        long now = _timeProvider.GetTimestamp();
        if (now < Interlocked.Read(ref _nextCheck) || !_reloadLock.TryEnter())
        {
            return;
        }

        try
        {
            Interlocked.Exchange(ref _nextCheck, now + (long)(_checkInterval.TotalSeconds * _timeProvider.TimestampFrequency));
            FileStamp stamp = FileStamp.Of(_path);
            GeoDatabaseFile? current = Volatile.Read(ref _current);
            if (stamp == default || current is not null && current.Stamp == stamp || stamp == _failedStamp)
            {
                return;
            }

            TryReload(stamp);
        }
        finally
        {
            _reloadLock.Exit();
        }
    }

    private void TryReload(FileStamp stamp)
    {
        if (stamp == default)
        {
            Log.GeoDatabaseMissing(_logger, _path);
            return;
        }

        GeoDatabaseFile file;
        try
        {
            file = GeoDatabaseFile.Open(_path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or MaxMind.Db.InvalidDatabaseException or ArgumentException or NotSupportedException)
        {
            // A half-written file is tried again once it changes; the old file stays in use.
            _failedStamp = stamp;
            Log.GeoDatabaseOpenFailed(_logger, ex, _path);
            return;
        }

        lock (_reloadLock)
        {
            if (_disposed)
            {
                file.Retire();
                return;
            }

            GeoDatabaseFile? old = Interlocked.Exchange(ref _current, file);
            old?.Retire();
        }

        Log.GeoDatabaseOpened(_logger, _path, file.Build);
    }

    public void Dispose()
    {
        lock (_reloadLock)
        {
            _disposed = true;
            Interlocked.Exchange(ref _current, null)?.Retire();
        }
    }
}
