namespace ClickAnalytics.Benchmarks.Redis;

internal static class Stores
{
    /// <summary>Adds the store under test; without one only the counting sink stores (the pipeline without a store's cost).</summary>
    public static string Add(IClickAnalyticsBuilder builder, string? path) => path is null ? "no store (counting sink only)" : throw new System.NotSupportedException("DuckDB store not built into this benchmark.");
}
