using System;
using System.Diagnostics;
using System.IO;
using Microsoft.Extensions.Options;

namespace ClickAnalytics.Enrichment.UserAgents;

/// <summary>
/// Parses user agents with the uap-core rules (browser, OS, device), classifies the device and
/// gives a bot verdict. Results of repeated strings come from a bounded cache. Thread-safe; create
/// one and share it (it is a singleton in <c>AddClickAnalytics()</c>). Never throws for any input:
/// empty, huge, binary or hostile strings give "Other" and empty values.
/// </summary>
public sealed class UserAgentParser
{
    /// <summary>The family of a browser, OS or device no rule recognised.</summary>
    public const string Other = "Other";

    private readonly UserAgentEngine _engine;
    private readonly UserAgentCache? _cache;
    private readonly int _maxLength;

    /// <summary>Creates a parser with the embedded rules and default options.</summary>
    public UserAgentParser()
        : this(new UserAgentOptions())
    {
    }

    /// <summary>Creates a parser from options (DI).</summary>
    public UserAgentParser(IOptions<UserAgentOptions> options)
        : this((options ?? throw new ArgumentNullException(nameof(options))).Value)
    {
    }

    /// <summary>
    /// Creates a parser: loads the rules (a newer <c>regexes.yaml</c> from the options, or the
    /// embedded one) and prepares the literal prefilter. Throws <see cref="InvalidDataException"/>
    /// when a given rules file is malformed.
    /// </summary>
    public UserAgentParser(UserAgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        long started = Stopwatch.GetTimestamp();
        UapRules rules = LoadRules(options);
        var settings = new RegexSettings(RegexSettings.Default.Options, options.MatchTimeout, options.NonBacktracking);
        _engine = new UserAgentEngine(rules, BotRules.Explicit(), BotRules.LoadCrawlers(), settings, options.MaxLength);
        _cache = options.CacheSize >= 2 ? new UserAgentCache(options.CacheSize) : null;
        _maxLength = options.MaxLength;
        StartupTime = Stopwatch.GetElapsedTime(started);
    }

    /// <summary>How long loading the rules and building the prefilter took.</summary>
    public TimeSpan StartupTime { get; }

    internal UserAgentEngine Engine => _engine;

    /// <summary>Parses <paramref name="userAgent"/> (null and empty are allowed).</summary>
    public UserAgentInfo Parse(string? userAgent)
    {
        if (_cache is null || userAgent is null || userAgent.Length > _maxLength)
        {
            return _engine.Parse(userAgent);
        }

        if (_cache.TryGet(userAgent, out UserAgentInfo cached))
        {
            return cached;
        }

        UserAgentInfo parsed = _engine.Parse(userAgent);
        _cache.Add(userAgent, parsed);
        return parsed;
    }

    private static UapRules LoadRules(UserAgentOptions options)
    {
        if (options.RegexesStream is not null)
        {
            using Stream stream = options.RegexesStream();
            return UapRules.Load(stream);
        }

        if (!string.IsNullOrWhiteSpace(options.RegexesPath))
        {
            using FileStream stream = File.OpenRead(options.RegexesPath);
            return UapRules.Load(stream);
        }

        return UapRules.LoadEmbedded();
    }
}
