using System.Collections.Generic;
using System.Text.RegularExpressions;
using ClickAnalytics.Enrichment.UserAgents;

namespace ClickAnalytics.Benchmarks.UserAgents;

/// <summary>
/// The baseline: the same rule lists with the same regex options, each list tried rule by rule
/// until the first match, with no prefilter. What a straightforward uap-core port does.
/// </summary>
internal sealed class SequentialUserAgentEngine
{
    private readonly Regex[] _ua;
    private readonly Regex[] _os;
    private readonly Regex[] _device;
    private readonly Regex[] _bots;
    private readonly UapRules _rules;

    public SequentialUserAgentEngine(UapRules rules, IReadOnlyList<BotRule> bots, RegexSettings settings)
    {
        _rules = rules;
        _ua = Build(rules.UserAgent, settings);
        _os = Build(rules.Os, settings);
        _device = Build(rules.Device, settings);
        _bots = new Regex[bots.Count];
        for (int i = 0; i < bots.Count; i++)
        {
            _bots[i] = settings.Build(bots[i].Regex);
        }
    }

    /// <summary>Browser family, OS family, device family and the index of the first bot rule that matched.</summary>
    public (string Browser, string Os, string Device, int Bot) Parse(string userAgent)
    {
        string browser = First(_ua, userAgent, out Match? m) is int u and >= 0 ? Family(_rules.UserAgent[u], m!) : UserAgentParser.Other;
        string os = First(_os, userAgent, out m) is int o and >= 0 ? Family(_rules.Os[o], m!) : UserAgentParser.Other;
        string device = First(_device, userAgent, out m) is int d and >= 0 ? Family(_rules.Device[d], m!) : UserAgentParser.Other;
        int bot = First(_bots, userAgent, out _);
        return (browser, os, device, bot);
    }

    private static string Family(UapRule rule, Match match) =>
        rule.Replacements[0] is string replacement ? UserAgentEngine.Expand(replacement, match) : match.Groups[1].Value;

    private static int First(Regex[] regexes, string input, out Match? match)
    {
        for (int i = 0; i < regexes.Length; i++)
        {
            Match m;
            try
            {
                m = regexes[i].Match(input);
            }
            catch (RegexMatchTimeoutException)
            {
                // Same rule as the engine: a timed-out list answers "no match".
                break;
            }

            if (m.Success)
            {
                match = m;
                return i;
            }
        }

        match = null;
        return -1;
    }

    private static Regex[] Build(IReadOnlyList<UapRule> rules, RegexSettings settings)
    {
        var regexes = new Regex[rules.Count];
        for (int i = 0; i < rules.Count; i++)
        {
            regexes[i] = settings.Build(new RegexRule(rules[i].Regex, rules[i].IgnoreCase));
        }

        return regexes;
    }
}
