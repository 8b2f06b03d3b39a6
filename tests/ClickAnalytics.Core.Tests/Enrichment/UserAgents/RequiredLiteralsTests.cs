using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;
using ClickAnalytics.Enrichment.UserAgents;

namespace ClickAnalytics.Core.Tests.Enrichment.UserAgents;

[TestFixture]
public sealed class RequiredLiteralsTests
{
    [TestCase(@"(Chromium|Chrome)/(\d+)\.(\d+)", "chrome/|chromium/")]
    [TestCase(@"; {0,2}(E3) Build/JOP40D", "e3 build/jop40d")]
    [TestCase(@"Googlebot\/", "googlebot/")]
    [TestCase(@"[Bb]ai[Dd]u[Ss]pider", "baiduspider")]
    [TestCase(@"(Namoroka|Shiretoko|Minefield)/(\d+)", "minefield/|namoroka/|shiretoko/")]
    public void FindsTheLiteralClause(string pattern, string expectedClause)
    {
        List<string[]> clauses = RequiredLiterals.Analyze(pattern);
        var found = new List<string>();
        foreach (string[] clause in clauses)
        {
            Array.Sort(clause, StringComparer.Ordinal);
            found.Add(string.Join('|', clause));
        }

        Assert.That(found, Does.Contain(expectedClause));
    }

    [TestCase(@"\d+")]
    [TestCase(@"(a|bc)")]
    [TestCase(@"(?<name>Chrome)")]
    [TestCase(@"Chrome\x41")]
    [TestCase(@"(Chrome|.+)")]
    [TestCase(@"(Chrome")]
    [TestCase(@"(?:Chrome)*")]
    public void GivesUpRatherThanGuessing(string pattern) =>
        Assert.That(RequiredLiterals.Analyze(pattern), Is.Empty);

    [Test]
    public void OptionalPiecesAreNotRequired()
    {
        List<string[]> clauses = RequiredLiterals.Analyze(@"Foo(?:Bar|)Baz");
        Assert.That(clauses, Has.Count.EqualTo(1));
        Assert.That(clauses[0], Is.EquivalentTo(new[] { "foobaz", "foobarbaz" }).Or.EquivalentTo(new[] { "foobaz" }));
    }

    /// <summary>
    /// The property the prefilter rests on: whenever a pattern matches a string, every clause has
    /// an atom in the lower-cased string. Checked over the conformance strings and the embedded rules.
    /// </summary>
    [Test]
    public void ClausesHoldWheneverTheRuleMatches()
    {
        UapRules rules = UapRules.LoadEmbedded();
        var all = new List<UapRule>();
        all.AddRange(rules.UserAgent);
        all.AddRange(rules.Os);
        var strings = new List<string>();
        foreach (Dictionary<string, string> c in UapTestData.Cases("test_ua.yaml"))
        {
            strings.Add(c["user_agent_string"]);
        }

        int checkedMatches = 0;
        foreach (UapRule rule in all)
        {
            List<string[]> clauses = RequiredLiterals.Analyze(rule.Regex);
            var regex = new Regex(rule.Regex, RegexOptions.CultureInvariant | (rule.IgnoreCase ? RegexOptions.IgnoreCase : RegexOptions.None));
            foreach (string s in strings)
            {
                if (!regex.IsMatch(s))
                {
                    continue;
                }

                checkedMatches++;
                string lower = s.ToLowerInvariant();
                foreach (string[] clause in clauses)
                {
                    bool any = false;
                    foreach (string atom in clause)
                    {
                        any |= lower.Contains(atom, StringComparison.Ordinal);
                    }

                    Assert.That(any, Is.True, $"rule {rule.Regex} matched '{s}' but none of [{string.Join('|', clause)}] occurs");
                }
            }
        }

        Assert.That(checkedMatches, Is.GreaterThan(1_000));
    }
}
