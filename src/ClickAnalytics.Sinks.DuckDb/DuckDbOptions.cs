using System.ComponentModel.DataAnnotations;

namespace ClickAnalytics.Sinks.DuckDb;

/// <summary>Options of the embedded DuckDB store, bound from <c>ClickAnalytics:DuckDb</c>.</summary>
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
}
