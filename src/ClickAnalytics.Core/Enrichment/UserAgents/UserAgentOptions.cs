using System;
using System.ComponentModel.DataAnnotations;
using System.IO;

namespace ClickAnalytics.Enrichment.UserAgents;

/// <summary>
/// Options of user-agent parsing, bound from the <c>ClickAnalytics:UserAgents</c> configuration
/// section. By default the uap-core rules embedded in the package are used.
/// </summary>
public sealed class UserAgentOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string SectionName = "ClickAnalytics:UserAgents";

    /// <summary>Whether the user-agent and bot stages run (on by default).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Path of a newer uap-core <c>regexes.yaml</c> to use instead of the embedded one.</summary>
    public string? RegexesPath { get; set; }

    /// <summary>Opens a newer uap-core <c>regexes.yaml</c> (code only; takes precedence over <see cref="RegexesPath"/>).</summary>
    public Func<Stream>? RegexesStream { get; set; }

    /// <summary>How many distinct user agents the cache keeps; 0 turns the cache off.</summary>
    [Range(0, 10_000_000)]
    public int CacheSize { get; set; } = 10_000;

    /// <summary>
    /// Longest user agent that is parsed in full; longer ones are cut to this length first, which
    /// bounds the work a hostile header can cause (real user agents stay well below it).
    /// </summary>
    [Range(64, 65_536)]
    public int MaxLength { get; set; } = 1_024;

    /// <summary>
    /// Longest any one rule may run on one string before the string counts as unknown. It only
    /// ends hostile input: real user agents match in microseconds, but a busy machine can stall a
    /// thread for tens of milliseconds, so a tight value would misclassify ordinary strings.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:01:00")]
    public TimeSpan MatchTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Uses .NET's non-backtracking regex engine (linear time for any input) instead of compiled
    /// backtracking with <see cref="MatchTimeout"/>. Safer by construction, slower per match.
    /// </summary>
    public bool NonBacktracking { get; set; }
}
