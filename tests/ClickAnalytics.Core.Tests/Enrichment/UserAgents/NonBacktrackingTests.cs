using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;
using ClickAnalytics.Enrichment.UserAgents;

namespace ClickAnalytics.Core.Tests.Enrichment.UserAgents;

/// <summary>The opt-in linear-time mode: which rules it supports, and that it reads the corpus the same way.</summary>
[TestFixture]
public sealed class NonBacktrackingTests
{
    /// <summary>
    /// .NET's non-backtracking engine refuses exactly one embedded rule: uap-core's large crawler
    /// alternation (user_agent_parsers, starting "(CSimpleSpider|"). That rule falls back to
    /// compiled backtracking with the match timeout.
    /// </summary>
    [Test]
    public void EveryEmbeddedRuleButOneBuildsWithoutBacktracking()
    {
        List<RegexRule> patterns = UapTestData.EmbeddedRules(allLists: true);
        var unsupported = new List<string>();
        foreach (RegexRule rule in patterns)
        {
            try
            {
                _ = new Regex(rule.Pattern, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant | (rule.IgnoreCase ? RegexOptions.IgnoreCase : RegexOptions.None));
            }
            catch (NotSupportedException)
            {
                unsupported.Add(rule.Pattern);
            }
        }

        Assert.That(patterns, Has.Count.GreaterThan(2_500));
        Assert.That(unsupported, Has.Count.EqualTo(1));
        Assert.That(unsupported[0], Does.StartWith("(CSimpleSpider|"));

        Regex fallback = new RegexSettings(RegexOptions.None, TimeSpan.FromSeconds(1), NonBacktracking: true).Build(new RegexRule(unsupported[0], IgnoreCase: false));
        Assert.That(fallback.Options & RegexOptions.NonBacktracking, Is.EqualTo(RegexOptions.None));
        Assert.That(fallback.MatchTimeout, Is.EqualTo(TimeSpan.FromSeconds(1)));
    }

    [Test]
    public void BrowserFamiliesAgreeWithTheDefaultEngine()
    {
        var nonBacktracking = new UserAgentParser(new UserAgentOptions { CacheSize = 0, NonBacktracking = true, MatchTimeout = TimeSpan.FromSeconds(10) });
        var disagreements = new List<string>();
        List<Dictionary<string, string>> cases = UapTestData.Cases("test_ua.yaml");
        for (int i = 0; i < cases.Count; i += 5)
        {
            string ua = cases[i]["user_agent_string"];
            UserAgentInfo expected = UapTestData.Parser.Parse(ua);
            UserAgentInfo actual = nonBacktracking.Parse(ua);
            if (expected.BrowserFamily != actual.BrowserFamily || expected.BrowserMajor != actual.BrowserMajor || expected.OsFamily != actual.OsFamily
                || expected.DeviceFamily != actual.DeviceFamily || expected.BotClass != actual.BotClass)
            {
                disagreements.Add(ua);
            }
        }

        Assert.That(disagreements, Is.Empty);
    }
}
