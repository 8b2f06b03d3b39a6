using System;
using System.ComponentModel.DataAnnotations;

namespace ClickAnalytics.Sinks.Redis;

/// <summary>
/// Options of the enrichment state shared through Redis (daily visitor keys, repeat-click windows),
/// bound from <c>ClickAnalytics:Redis:SharedState</c>. The connection is the package's one,
/// <see cref="RedisStreamsOptions.Configuration"/> (<c>ClickAnalytics:Redis:Configuration</c>).
/// </summary>
public sealed class RedisSharedStateOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string SectionName = "ClickAnalytics:Redis:SharedState";

    /// <summary>Prefix of every key the shared state writes (<c>visitor-key:…</c>, <c>repeat:…</c> follow it).</summary>
    [Required]
    public string KeyPrefix { get; set; } = "clickanalytics:";

    /// <summary>
    /// How long a repeat-window key outlives its window, so clicks processed late (lag) still find it.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan RepeatKeyGrace { get; set; } = TimeSpan.FromMinutes(5);
}
