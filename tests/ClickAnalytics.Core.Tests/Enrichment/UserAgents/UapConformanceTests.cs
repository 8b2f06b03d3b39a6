using System;
using System.Collections.Generic;
using System.Text;
using ClickAnalytics.Enrichment.UserAgents;

namespace ClickAnalytics.Core.Tests.Enrichment.UserAgents;

/// <summary>
/// Runs the whole uap-core 0.18.0 conformance suite against the engine, case by case. Cases the
/// .NET regex engine cannot reproduce would be listed in <see cref="KnownDifferences"/> with their
/// reason; there are none.
/// </summary>
[TestFixture]
public sealed class UapConformanceTests
{
    /// <summary>User agent → reason, for cases where .NET regex semantics differ from the suite's.</summary>
    private static readonly Dictionary<string, string> KnownDifferences = new(StringComparer.Ordinal);

    [Test]
    public void UserAgentParsersAgreeWithTestUa() =>
        Check("test_ua.yaml", ["family", "major", "minor", "patch"], static info => [info.BrowserFamily, info.BrowserMajor, info.BrowserMinor, info.BrowserPatch], expectedCount: 1430);

    [Test]
    public void OsParsersAgreeWithTestOs() =>
        Check("test_os.yaml", ["family", "major", "minor", "patch", "patch_minor"], static info => [info.OsFamily, info.OsMajor, info.OsMinor, info.OsPatch, info.OsPatchMinor], expectedCount: 462);

    [Test]
    public void DeviceParsersAgreeWithTestDevice() =>
        Check("test_device.yaml", ["family", "brand", "model"], static info => [info.DeviceFamily, info.DeviceBrand, info.DeviceModel], expectedCount: 16116);

    private static void Check(string file, string[] fields, Func<UserAgentInfo, string[]> actual, int expectedCount)
    {
        List<Dictionary<string, string>> cases = UapTestData.Cases(file);
        Assert.That(cases, Has.Count.EqualTo(expectedCount), "the suite file is not the one of uap-core 0.18.0");

        var failures = new StringBuilder();
        int failed = 0;
        int known = 0;
        foreach (Dictionary<string, string> expected in cases)
        {
            string ua = expected["user_agent_string"];
            string[] values = actual(UapTestData.Parser.Parse(ua));
            bool same = true;
            for (int f = 0; f < fields.Length; f++)
            {
                same &= string.Equals(expected.GetValueOrDefault(fields[f], ""), values[f], StringComparison.Ordinal);
            }

            if (same)
            {
                continue;
            }

            if (KnownDifferences.ContainsKey(ua))
            {
                known++;
                continue;
            }

            if (++failed <= 25)
            {
                failures.Append(ua).Append('\n');
                for (int f = 0; f < fields.Length; f++)
                {
                    failures.Append("  ").Append(fields[f]).Append(": expected '").Append(expected.GetValueOrDefault(fields[f], ""))
                        .Append("' got '").Append(values[f]).Append("'\n");
                }
            }
        }

        Assert.Multiple(() =>
        {
            Assert.That(failed, Is.Zero, $"{failed} of {cases.Count} cases disagree:\n{failures}");
            Assert.That(known, Is.LessThan(Math.Max(1, cases.Count / 1000)), "known differences must stay under 0.1 %");
        });
    }
}
