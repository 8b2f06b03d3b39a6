using System.IO;

namespace ClickAnalytics.Benchmarks.Redis;

internal static class Stores
{
    /// <summary>Adds the DuckDB store at <paramref name="path"/> (a fresh file); without a path only the counting sink stores.</summary>
    public static string Add(IClickAnalyticsBuilder builder, string? path)
    {
        if (path is null)
        {
            return "no store (counting sink only)";
        }

        File.Delete(path);
        File.Delete(path + ".wal");
        builder.AddDuckDb(o => o.Path = path);
        return "DuckDB (" + path + ")";
    }
}
