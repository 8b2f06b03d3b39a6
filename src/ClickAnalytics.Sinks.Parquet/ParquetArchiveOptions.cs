using System;
using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace ClickAnalytics.Sinks.Parquet;

/// <summary>Where and when raw clicks past their retention move to Parquet (<c>ClickAnalytics:Archive</c>).</summary>
public sealed class ParquetArchiveOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "ClickAnalytics:Archive";

    /// <summary>
    /// The local folder the archive's tree (<c>clicks/date=YYYY-MM-DD/part-00000.parquet</c>,
    /// <c>clicks/_manifest.json</c>) goes under. Give this or <see cref="S3"/>'s bucket, not both.
    /// </summary>
    public string Folder { get; set; } = "";

    /// <summary>The archive in a bucket of S3 or of an S3-compatible store instead of a folder (<c>ClickAnalytics:Archive:S3</c>).</summary>
    public ParquetArchiveS3Options S3 { get; set; } = new();

    /// <summary>
    /// A local folder for copies of archived files (DuckDB reads only local files): each file is
    /// verified from a fresh download, and audits read days from here, fetching the missing ones.
    /// Default: a folder under the system's temporary folder. Only used with <see cref="S3"/>.
    /// </summary>
    public string CacheFolder { get; set; } = "";

    /// <summary>How many days raw clicks stay in the hot store (UTC days, today included). Default: 90.</summary>
    [Range(1, 36_500)]
    public int RawRetentionDays { get; set; } = 90;

    /// <summary>
    /// One file per tenant and day, under <c>clicks/tenant_id=…/date=YYYY-MM-DD/</c> instead of one
    /// per day under <c>clicks/date=YYYY-MM-DD/</c>: a tenant's clicks can then be read, exported or
    /// deleted by their folder. The tenant id is percent-encoded in the folder name (the empty id is
    /// hive's <c>__HIVE_DEFAULT_PARTITION__</c>). Applies to the days archived from then on; the
    /// manifest lists each day's files. Default: false.
    /// </summary>
    public bool PartitionByTenant { get; set; }

    /// <summary>The compression of the files. Default: zstd.</summary>
    [EnumDataType(typeof(ParquetCompression))]
    public ParquetCompression Compression { get; set; } = ParquetCompression.Zstd;

    /// <summary>How often the hosted job looks for days to archive. Default: every hour.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Whether the hosted job runs (the on-demand <see cref="IClickArchive.ArchiveDueDaysAsync"/> works either way).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// How often each step of a day (read and write, upload, verify, manifest, drop) is tried before
    /// the run stops with the error; the next run starts again from the day's last finished step. Default: 4.
    /// </summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 4;
}

/// <summary>An S3 (or S3-compatible) destination of the archive.</summary>
public sealed class ParquetArchiveS3Options
{
    /// <summary>The bucket; setting it puts the archive on S3.</summary>
    public string Bucket { get; set; } = "";

    /// <summary>A key prefix the archive's tree goes under (<c>analytics/</c>, say). Default: none.</summary>
    public string Prefix { get; set; } = "";

    /// <summary>The endpoint of an S3-compatible store (<c>http://127.0.0.1:9000</c>); empty for AWS itself.</summary>
    public string ServiceUrl { get; set; } = "";

    /// <summary>The region (<c>eu-central-1</c>); with <see cref="ServiceUrl"/> the one it signs for (default <c>us-east-1</c>).</summary>
    public string Region { get; set; } = "";

    /// <summary>An access key; empty uses the SDK's default credentials (environment, profile, instance role).</summary>
    public string AccessKey { get; set; } = "";

    /// <summary>The secret of <see cref="AccessKey"/>.</summary>
    public string SecretKey { get; set; } = "";

    /// <summary>Path-style addresses (<c>host/bucket/key</c>), which most S3-compatible stores need. Default: true.</summary>
    public bool ForcePathStyle { get; set; } = true;
}
