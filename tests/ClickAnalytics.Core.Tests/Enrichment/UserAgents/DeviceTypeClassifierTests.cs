using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using ClickAnalytics.Enrichment.UserAgents;

namespace ClickAnalytics.Core.Tests.Enrichment.UserAgents;

/// <summary>
/// The device class against a labelled table of real user agents (device-types.tsv): strings from
/// the uap-core suite, crawler-user-agents' examples and vendors' published strings, each labelled
/// by reading it (platform tokens, model numbers), not by running the classifier.
/// </summary>
[TestFixture]
public sealed class DeviceTypeClassifierTests
{
    private static readonly string[] Classes =
        [DeviceType.Desktop, DeviceType.Mobile, DeviceType.Tablet, DeviceType.Tv, DeviceType.Console, DeviceType.Wearable, DeviceType.Bot, DeviceType.Unknown];

    internal static List<(string Expected, string Source, string UserAgent)> Table()
    {
        string path = Path.Combine(TestContext.CurrentContext.TestDirectory, "Enrichment", "UserAgents", "device-types.tsv");
        var rows = new List<(string, string, string)>();
        foreach (string line in File.ReadAllLines(path))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            string[] parts = line.Split('\t', 3);
            rows.Add((parts[0], parts[1], parts[2]));
        }

        return rows;
    }

    [Test]
    public void TableCoversEveryClassWithAtLeast200Strings()
    {
        List<(string Expected, string Source, string UserAgent)> table = Table();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach ((string expected, _, _) in table)
        {
            counts[expected] = counts.GetValueOrDefault(expected) + 1;
        }

        Assert.That(table, Has.Count.GreaterThanOrEqualTo(200));
        foreach (string cls in Classes)
        {
            Assert.That(counts.GetValueOrDefault(cls), Is.GreaterThanOrEqualTo(5), cls);
        }

        Assert.That(counts.Keys, Is.SubsetOf(Classes));
    }

    [Test]
    public void EveryLabelledUserAgentGetsItsClass()
    {
        var failures = new StringBuilder();
        int failed = 0;
        List<(string Expected, string Source, string UserAgent)> table = Table();
        foreach ((string expected, string source, string ua) in table)
        {
            UserAgentInfo info = UapTestData.Parser.Parse(ua);
            if (info.DeviceType != expected)
            {
                failed++;
                failures.Append(expected).Append(" got ").Append(info.DeviceType).Append(" (").Append(source).Append("; os ")
                    .Append(info.OsFamily).Append("; device ").Append(info.DeviceFamily).Append("): ").Append(ua).Append('\n');
            }
        }

        Assert.That(failed, Is.Zero, $"{failed} of {table.Count} misclassified:\n{failures}");
    }

    [TestCase("")]
    [TestCase("   ")]
    public void EmptyUserAgentIsSoftware(string ua) =>
        Assert.That(UapTestData.Parser.Parse(ua).DeviceType, Is.EqualTo(DeviceType.Bot));

    [Test]
    public void IpadSayingMobileIsStillATablet() =>
        Assert.That(
            DeviceTypeClassifier.Classify("Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) Mobile/15E148", "iOS", "iPad", "Apple", "iPad", isBot: false),
            Is.EqualTo(DeviceType.Tablet));

    [Test]
    public void BotVerdictWinsOverPlatformTokens() =>
        Assert.That(
            DeviceTypeClassifier.Classify("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) Mobile/15E148", "iOS", "iPhone", "Apple", "iPhone", isBot: true),
            Is.EqualTo(DeviceType.Bot));
}
