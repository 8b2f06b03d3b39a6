namespace ClickAnalytics.Buffering;

/// <summary>How <see cref="ClickEventCodec"/> writes a click into bytes for an external buffer (a Redis stream entry, a message).</summary>
public enum ClickEncoding
{
    /// <summary>Compact tagged binary (default; see benchmarks/RESULTS.md).</summary>
    Binary,

    /// <summary>UTF-8 JSON, readable with <c>redis-cli</c>.</summary>
    Json,
}
