using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace ClickAnalytics.Storage;

/// <summary>
/// A file format raw clicks can be exported in (the query API's raw-click export offers every
/// registered format by its <see cref="Name"/>). CSV is built into the API; packages add others
/// (<c>AddParquetExport()</c>).
/// </summary>
public interface IClickExportFormat
{
    /// <summary>The name a request asks for (<c>parquet</c>).</summary>
    string Name { get; }

    /// <summary>The media type of the file.</summary>
    string ContentType { get; }

    /// <summary>The file name extension, without the dot.</summary>
    string FileExtension { get; }

    /// <summary>
    /// Writes the clicks to <paramref name="output"/>, which need not be seekable; returns how many
    /// were written. Custom dimension columns are those of the first click (a store reads every
    /// click with all of its dimension columns).
    /// </summary>
    Task<long> WriteAsync(IAsyncEnumerable<StoredClick> clicks, Stream output, CancellationToken cancellationToken);
}
