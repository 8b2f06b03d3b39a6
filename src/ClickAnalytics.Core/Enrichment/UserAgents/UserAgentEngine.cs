using System;
using System.Collections.Generic;
using System.Text;
using System.Text.RegularExpressions;

namespace ClickAnalytics.Enrichment.UserAgents;

/// <summary>
/// The uap-core parsers and the bot rules as one filtered rule set: a single scan of the string
/// finds the candidate rules of all five lists, then each list takes its first candidate that
/// matches. Thread-safe; holds no per-call state.
/// </summary>
internal sealed class UserAgentEngine
{
    private const string EmptyUserAgentReason = "empty-user-agent";
    private const string SpiderReason = "uap:Spider";

    private readonly FilteredRegexSet _set;
    private readonly UapRule[] _uaRules;
    private readonly UapRule[] _osRules;
    private readonly UapRule[] _deviceRules;
    private readonly BotRule[] _botRules;
    private readonly int _osStart;
    private readonly int _deviceStart;
    private readonly int _explicitBotStart;
    private readonly int _crawlerStart;
    private readonly int _end;
    private readonly int _maxLength;

    public UserAgentEngine(UapRules uap, IReadOnlyList<BotRule> explicitBots, IReadOnlyList<BotRule> crawlers, RegexSettings settings, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(uap);
        ArgumentNullException.ThrowIfNull(explicitBots);
        ArgumentNullException.ThrowIfNull(crawlers);
        _uaRules = [.. uap.UserAgent];
        _osRules = [.. uap.Os];
        _deviceRules = [.. uap.Device];
        _botRules = [.. explicitBots, .. crawlers];
        _maxLength = maxLength;

        var all = new List<RegexRule>(_uaRules.Length + _osRules.Length + _deviceRules.Length + _botRules.Length);
        AddAll(all, _uaRules);
        _osStart = all.Count;
        AddAll(all, _osRules);
        _deviceStart = all.Count;
        AddAll(all, _deviceRules);
        _explicitBotStart = all.Count;
        foreach (BotRule bot in _botRules)
        {
            all.Add(bot.Regex);
        }

        _crawlerStart = _explicitBotStart + explicitBots.Count;
        _end = all.Count;
        _set = new FilteredRegexSet(all, settings);
    }

    /// <summary>The rule set, for start-up reports and tests.</summary>
    internal FilteredRegexSet Rules => _set;

    /// <summary>Builds every regex now instead of on first use.</summary>
    public void CompileAll() => _set.CompileAll();

    /// <summary>Parses one user agent. Never throws for any input.</summary>
    public UserAgentInfo Parse(string? userAgent)
    {
        if (string.IsNullOrWhiteSpace(userAgent))
        {
            return new UserAgentInfo
            {
                DeviceType = DeviceType.Bot,
                IsBot = true,
                BotClass = BotClass.HttpLibrary,
                BotReasons = EmptyUserAgentReason,
            };
        }

        string input = userAgent.Length > _maxLength ? userAgent[.._maxLength] : userAgent;
        Span<ulong> candidates = stackalloc ulong[_set.WordCount];
        Span<ulong> atoms = _set.AtomWordCount <= 256 ? stackalloc ulong[_set.AtomWordCount] : new ulong[_set.AtomWordCount];
        candidates.Clear();
        atoms.Clear();
        _set.FindCandidates(input, candidates, atoms);

        string browserFamily = UserAgentParser.Other, browserMajor = "", browserMinor = "", browserPatch = "";
        int rule = _set.FirstMatch(input, candidates, 0, _osStart, out Match? m);
        if (rule >= 0)
        {
            string?[] r = _uaRules[rule].Replacements;
            browserFamily = Field(r[0], m!, 1, UserAgentParser.Other);
            browserMajor = Field(r[1], m!, 2, "");
            browserMinor = Field(r[2], m!, 3, "");
            browserPatch = Field(r[3], m!, 4, "");
        }

        string osFamily = UserAgentParser.Other, osMajor = "", osMinor = "", osPatch = "", osPatchMinor = "";
        rule = _set.FirstMatch(input, candidates, _osStart, _deviceStart, out m);
        if (rule >= 0)
        {
            string?[] r = _osRules[rule - _osStart].Replacements;
            osFamily = Field(r[0], m!, 1, UserAgentParser.Other);
            osMajor = Field(r[1], m!, 2, "");
            osMinor = Field(r[2], m!, 3, "");
            osPatch = Field(r[3], m!, 4, "");
            osPatchMinor = Field(r[4], m!, 5, "");
        }

        string deviceFamily = UserAgentParser.Other, deviceBrand = "", deviceModel = "";
        rule = _set.FirstMatch(input, candidates, _deviceStart, _explicitBotStart, out m);
        if (rule >= 0)
        {
            string?[] r = _deviceRules[rule - _deviceStart].Replacements;
            deviceFamily = Field(r[0], m!, 1, UserAgentParser.Other);
            deviceBrand = r[1] is null ? "" : Expand(r[1]!, m!);
            deviceModel = Field(r[2], m!, 1, "");
        }

        int explicitBot = _set.FirstMatch(input, candidates, _explicitBotStart, _crawlerStart, out _);
        int crawler = _set.FirstMatch(input, candidates, _crawlerStart, _end, out _);
        bool spider = deviceFamily == "Spider";
        string botClass = BotClass.Human;
        string reasons = "";
        if (explicitBot >= 0 || crawler >= 0 || spider)
        {
            var builder = new StringBuilder();
            if (explicitBot >= 0)
            {
                BotRule bot = _botRules[explicitBot - _explicitBotStart];
                botClass = bot.BotClass;
                AppendReason(builder, bot.Reason);
            }

            if (crawler >= 0)
            {
                BotRule bot = _botRules[crawler - _explicitBotStart];
                botClass = botClass == BotClass.Human ? bot.BotClass : botClass;
                AppendReason(builder, bot.Reason);
            }

            if (spider)
            {
                botClass = botClass == BotClass.Human ? BotClass.Crawler : botClass;
                AppendReason(builder, SpiderReason);
            }

            reasons = builder.ToString();
        }

        bool isBot = botClass != BotClass.Human;
        return new UserAgentInfo
        {
            BrowserFamily = browserFamily,
            BrowserMajor = browserMajor,
            BrowserMinor = browserMinor,
            BrowserPatch = browserPatch,
            OsFamily = osFamily,
            OsMajor = osMajor,
            OsMinor = osMinor,
            OsPatch = osPatch,
            OsPatchMinor = osPatchMinor,
            DeviceFamily = deviceFamily,
            DeviceBrand = deviceBrand,
            DeviceModel = deviceModel,
            DeviceType = DeviceTypeClassifier.Classify(input, osFamily, deviceFamily, deviceBrand, deviceModel, isBot),
            IsBot = isBot,
            BotClass = botClass,
            BotReasons = reasons,
        };
    }

    /// <summary>
    /// A field of the result: the rule's replacement with <c>$1</c>…<c>$9</c> filled in when it
    /// has one, otherwise capture group <paramref name="group"/>; empty results fall back to
    /// <paramref name="fallback"/>.
    /// </summary>
    private static string Field(string? replacement, Match match, int group, string fallback)
    {
        string value = replacement is null ? Group(match, group).Trim() : Expand(replacement, match);
        return value.Length == 0 ? fallback : value;
    }

    private static string Group(Match match, int group) =>
        group < match.Groups.Count && match.Groups[group].Success ? match.Groups[group].Value : "";

    /// <summary>Fills <c>$1</c>…<c>$9</c> (a missing group gives nothing) and trims the result.</summary>
    internal static string Expand(string template, Match match)
    {
        int dollar = template.IndexOf('$', StringComparison.Ordinal);
        if (dollar < 0)
        {
            return template.Trim();
        }

        var builder = new StringBuilder(template.Length + 16);
        for (int i = 0; i < template.Length; i++)
        {
            char c = template[i];
            if (c == '$' && i + 1 < template.Length && template[i + 1] is >= '1' and <= '9')
            {
                builder.Append(Group(match, template[i + 1] - '0'));
                i++;
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString().Trim();
    }

    private static void AppendReason(StringBuilder builder, string reason)
    {
        if (builder.Length > 0)
        {
            builder.Append(',');
        }

        // Reasons are stored comma separated, so a pattern's own commas become spaces.
        foreach (char c in reason)
        {
            builder.Append(c == ',' ? ' ' : c);
        }
    }

    private static void AddAll(List<RegexRule> all, UapRule[] rules)
    {
        foreach (UapRule rule in rules)
        {
            all.Add(new RegexRule(rule.Regex, rule.IgnoreCase));
        }
    }
}
