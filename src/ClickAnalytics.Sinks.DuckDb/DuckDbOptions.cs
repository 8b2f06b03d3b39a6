using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace ClickAnalytics.Sinks.DuckDb;

/// <summary>Options of the embedded DuckDB store, bound from <c>ClickAnalytics:DuckDb</c> and checked when the host starts.</summary>
public sealed class DuckDbOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string SectionName = "ClickAnalytics:DuckDb";

    /// <summary>
    /// Path of the database file, created with its folder when missing. Relative paths are resolved
    /// against the process's current directory. Default: <c>data/clickanalytics.duckdb</c>.
    /// </summary>
    [Required]
    public string Path { get; set; } = "data/clickanalytics.duckdb";

    /// <summary>
    /// How large DuckDB's write-ahead log may grow before DuckDB checkpoints it into the file, as a
    /// size such as <c>256MB</c> or <c>1GiB</c>. Every checkpoint compresses again the row group that
    /// is still filling, so a small threshold costs CPU on every click (DuckDB's own default, 16MB,
    /// doubles the store's CPU per click; see benchmarks/RESULTS.md); a large one makes recovery
    /// after a crash replay a longer log. Default: <c>256MB</c>.
    /// </summary>
    [Required]
    [RegularExpression(@"^[0-9]{1,9}(\.[0-9]{1,3})? ?(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", ErrorMessage = "CheckpointThreshold is a size such as 256MB or 1GiB.")]
    public string CheckpointThreshold { get; set; } = "256MB";

    /// <summary>
    /// How many threads DuckDB may use, for writes and queries alike (a setting of the whole
    /// database). The store shares the host's cores with its requests, and DuckDB's parallel
    /// commits and checkpoints cost more CPU per click than they save on the small batches a
    /// click stream gives, so the default is one; raise it for heavy ad-hoc queries over the raw
    /// clicks on a machine with cores to spare. Default: <c>1</c>.
    /// </summary>
    [Range(1, 1024)]
    public int Threads { get; set; } = 1;

    /// <summary>
    /// How many rows of each dimension table (user agents, locations, referers, campaigns) the store
    /// keeps in memory to find a click's key without a query; past it, the memory starts over.
    /// </summary>
    internal int RememberedDimensionRows { get; set; } = 100_000;

    /// <summary>
    /// How many stored event ids the store keeps in memory, in two generations, to find a redelivery
    /// without reading the file (16 384 per generation is about 1 MB, small enough to stay in cache).
    /// </summary>
    internal int RememberedIds { get; set; } = 32_768;
}

/// <summary>Checks <see cref="DuckDbOptions"/> when the host starts (generated from its attributes).</summary>
[OptionsValidator]
internal sealed partial class DuckDbOptionsValidator : IValidateOptions<DuckDbOptions>;
