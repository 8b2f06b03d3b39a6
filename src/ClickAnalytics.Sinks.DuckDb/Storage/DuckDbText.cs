using System;

namespace ClickAnalytics.Sinks.DuckDb.Storage;

/// <summary>DuckDB strings end at a NUL character, so NULs are stored (and looked up) as U+FFFD instead of silently cutting the value.</summary>
internal static class DuckDbText
{
    public static string Clean(string value) => value.Contains('\0', StringComparison.Ordinal) ? value.Replace('\0', '\uFFFD') : value;
}
