using System;
using System.ComponentModel.DataAnnotations;

namespace ClickAnalytics.Sinks.Parquet;

/// <summary>Where and when raw clicks past their retention move to Parquet (<c>ClickAnalytics:Archive</c>).</summary>
public sealed class ParquetArchiveOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "ClickAnalytics:Archive";

    /// <summary>The local folder the archive's tree (<c>clicks/date=YYYY-MM-DD/part-00000.parquet</c>, <c>clicks/_manifest.json</c>) goes under.</summary>
    [Required]
    public string Folder { get; set; } = "";

    /// <summary>How many days raw clicks stay in the hot store (UTC days, today included). Default: 90.</summary>
    [Range(1, 36_500)]
    public int RawRetentionDays { get; set; } = 90;

    /// <summary>The compression of the files. Default: zstd.</summary>
    [EnumDataType(typeof(ParquetCompression))]
    public ParquetCompression Compression { get; set; } = ParquetCompression.Zstd;

    /// <summary>How often the hosted job looks for days to archive. Default: every hour.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Whether the hosted job runs (the on-demand <see cref="IClickArchive.ArchiveDueDaysAsync"/> works either way).</summary>
    public bool Enabled { get; set; } = true;
}
