using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;
using ClickAnalytics.Enrichment.UserAgents;

namespace ClickAnalytics.Core.Tests.Enrichment.UserAgents;

/// <summary>The filtered first match equals the plain sequential first match, rule for rule.</summary>
[TestFixture]
public sealed class FilteredRegexSetTests
{
    [Test]
    public void PicksTheSameRuleAsTryingEveryRuleInOrder()
    {
        List<RegexRule> rules = UapTestData.EmbeddedRules(allLists: false);
        var settings = new RegexSettings(RegexOptions.None, TimeSpan.FromSeconds(30), NonBacktracking: false);
        var set = new FilteredRegexSet(rules, settings);
        var sequential = new Regex[rules.Count];
        for (int r = 0; r < rules.Count; r++)
        {
            sequential[r] = settings.Build(rules[r]);
        }

        int compared = 0;
        foreach (Dictionary<string, string> c in UapTestData.Cases("test_ua.yaml"))
        {
            string ua = c["user_agent_string"];
            int expected = -1;
            for (int r = 0; r < sequential.Length && expected < 0; r++)
            {
                if (sequential[r].IsMatch(ua))
                {
                    expected = r;
                }
            }

            var candidates = new ulong[set.WordCount];
            var atoms = new ulong[set.AtomWordCount];
            set.FindCandidates(ua, candidates, atoms);
            Assert.That(set.FirstMatch(ua, candidates, 0, set.Count, out _), Is.EqualTo(expected), ua);
            compared++;
        }

        Assert.That(compared, Is.EqualTo(1430));
        Assert.That(set.UnfilteredCount, Is.LessThan(rules.Count / 10), "most rules have literals to filter on");
    }

    [Test]
    public void FirstMatchRespectsTheRangeAndBitBoundaries()
    {
        var rules = new List<RegexRule>();
        for (int i = 0; i < 130; i++)
        {
            rules.Add(new RegexRule("Agent" + i.ToString("D3", System.Globalization.CultureInfo.InvariantCulture), IgnoreCase: false));
        }

        var set = new FilteredRegexSet(rules, RegexSettings.Default);
        const string input = "Agent000 Agent063 Agent064 Agent128";
        var candidates = new ulong[set.WordCount];
        var atoms = new ulong[set.AtomWordCount];
        set.FindCandidates(input, candidates, atoms);

        Assert.Multiple(() =>
        {
            Assert.That(set.FirstMatch(input, candidates, 0, 130, out _), Is.Zero);
            Assert.That(set.FirstMatch(input, candidates, 1, 130, out _), Is.EqualTo(63));
            Assert.That(set.FirstMatch(input, candidates, 64, 130, out _), Is.EqualTo(64));
            Assert.That(set.FirstMatch(input, candidates, 65, 128, out _), Is.EqualTo(-1));
            Assert.That(set.FirstMatch(input, candidates, 65, 130, out Match? m), Is.EqualTo(128));
            Assert.That(m!.Value, Is.EqualTo("Agent128"));
        });
    }
}
