using System;
using System.Globalization;

namespace ClickAnalytics.Sinks.ClickHouse.Storage;

/// <summary>
/// What the connected server supports, from <c>SELECT version()</c>. The schema and the writes ask
/// this instead of assuming a current server, so the same code runs on old servers by skipping
/// or emulating what they lack.
/// </summary>
internal sealed record ServerFeatures(Version Version)
{
    /// <summary>A current server: every feature on.</summary>
    public static ServerFeatures Current { get; } = new(new Version(24, 8));

    /// <summary>Column codecs (Delta, ZSTD): 19.1.</summary>
    public bool Codecs => Version >= new Version(19, 1);

    /// <summary>LowCardinality without the experimental switch: 19.3.</summary>
    public bool LowCardinality => Version >= new Version(19, 3);

    /// <summary>DateTime64 with milliseconds: 20.1; older servers keep whole seconds.</summary>
    public bool DateTime64 => Version >= new Version(20, 1);

    /// <summary><c>ADD COLUMN IF NOT EXISTS</c>: 19.1.</summary>
    public bool AddColumnIfNotExists => Version >= new Version(19, 1);

    /// <summary>
    /// Block deduplication of plain MergeTree tables (<c>non_replicated_deduplication_window</c>)
    /// with caller-given tokens (<c>insert_deduplication_token</c>): 22.2.
    /// </summary>
    public bool InsertDeduplicationToken => Version >= new Version(22, 2);

    /// <summary>Parses the answer of <c>SELECT version()</c>, for example "18.16.1" or "24.8.4.13".</summary>
    public static ServerFeatures Parse(string version)
    {
        ArgumentNullException.ThrowIfNull(version);
        string[] parts = version.Trim().Split('.');
        if (parts.Length < 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int major)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int minor))
        {
            throw new FormatException($"'{version}' is not a ClickHouse version.");
        }

        return new ServerFeatures(new Version(major, minor));
    }
}
