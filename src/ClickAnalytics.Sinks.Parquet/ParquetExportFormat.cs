using System.Collections.Generic;
using System.ComponentModel.DataAnnotations;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Storage;
using Microsoft.Extensions.Options;
using Parquet;

namespace ClickAnalytics.Sinks.Parquet;

/// <summary>How Parquet files are written (<c>ClickAnalytics:ParquetExport</c>).</summary>
public sealed class ParquetExportOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "ClickAnalytics:ParquetExport";

    /// <summary>The compression of the column chunks. Default: zstd (see RESULTS for sizes and speeds).</summary>
    [EnumDataType(typeof(ParquetCompression))]
    public ParquetCompression Compression { get; set; } = ParquetCompression.Zstd;
}

/// <summary>Parquet column compression.</summary>
public enum ParquetCompression
{
    /// <summary>Zstandard: the smallest files at a moderate cost; every current reader has it.</summary>
    Zstd,

    /// <summary>Snappy: larger files, cheaper to write; the oldest readers have it too.</summary>
    Snappy,

    /// <summary>Gzip.</summary>
    Gzip,

    /// <summary>None.</summary>
    None,
}

/// <summary>The <c>parquet</c> format of the raw-click export.</summary>
internal sealed class ParquetExportFormat(IOptions<ParquetExportOptions> options) : IClickExportFormat
{
    public string Name => "parquet";

    public string ContentType => "application/vnd.apache.parquet";

    public string FileExtension => "parquet";

    public Task<long> WriteAsync(IAsyncEnumerable<StoredClick> clicks, Stream output, CancellationToken cancellationToken) =>
        ParquetClickFile.WriteAsync(clicks, output, Method(options.Value.Compression), leaveOut: null, cancellationToken);

    internal static CompressionMethod Method(ParquetCompression compression) => compression switch
    {
        ParquetCompression.Snappy => CompressionMethod.Snappy,
        ParquetCompression.Gzip => CompressionMethod.Gzip,
        ParquetCompression.None => CompressionMethod.None,
        _ => CompressionMethod.Zstd,
    };
}
