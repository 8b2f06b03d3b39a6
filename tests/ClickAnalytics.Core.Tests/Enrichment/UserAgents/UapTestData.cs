using System;
using System.Collections.Generic;
using System.IO;
using ClickAnalytics.Enrichment.UserAgents;
using YamlDotNet.RepresentationModel;

namespace ClickAnalytics.Core.Tests.Enrichment.UserAgents;

/// <summary>
/// The uap-core conformance suite, read where CI keeps it (<c>../shared/testdata</c> beside the
/// checkout) or where CLICKANALYTICS_UAP_TESTDATA points. It is never copied into the repository.
/// </summary>
internal static class UapTestData
{
    public const string EnvironmentVariable = "CLICKANALYTICS_UAP_TESTDATA";

    // The suite checks rule semantics, so a starved test machine must not turn a slow match into a
    // timeout; timeouts have their own tests.
    private static readonly Lazy<UserAgentParser> SharedParser = new(() => new UserAgentParser(new UserAgentOptions { CacheSize = 0, MatchTimeout = TimeSpan.FromSeconds(10) }));

    /// <summary>One uncached parser for every test (building one takes a moment).</summary>
    public static UserAgentParser Parser => SharedParser.Value;

    /// <summary>The folder holding test_ua.yaml, test_os.yaml and test_device.yaml; fails the test when it is absent.</summary>
    public static string Folder()
    {
        string? overridden = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(overridden))
        {
            if (!Directory.Exists(overridden))
            {
                Assert.Fail($"{EnvironmentVariable} points to '{overridden}', which does not exist.");
            }

            return overridden;
        }

        string? root = RepositoryRoot();
        if (root is null)
        {
            Assert.Fail($"No folder holding ClickAnalytics.sln above '{TestContext.CurrentContext.TestDirectory}'; set {EnvironmentVariable} to the uap-core tests folder.");
        }

        string folder = Path.GetFullPath(Path.Combine(root!, "..", "shared", "testdata", "uap-core-0.18.0", "tests"));
        if (!Directory.Exists(folder))
        {
            Assert.Fail($"The uap-core 0.18.0 conformance suite is missing: expected it in '{folder}' (or set {EnvironmentVariable}).");
        }

        return folder;
    }

    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "ClickAnalytics.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName!;
    }

    /// <summary>The embedded rules as regex rules: uap-core's user-agent list only, or all five lists the engine runs.</summary>
    public static List<RegexRule> EmbeddedRules(bool allLists)
    {
        UapRules uap = UapRules.LoadEmbedded();
        var rules = new List<RegexRule>();
        foreach (IReadOnlyList<UapRule> list in allLists ? new[] { uap.UserAgent, uap.Os, uap.Device } : new[] { uap.UserAgent })
        {
            foreach (UapRule rule in list)
            {
                rules.Add(new RegexRule(rule.Regex, rule.IgnoreCase));
            }
        }

        if (allLists)
        {
            foreach (BotRule rule in BotRules.Explicit())
            {
                rules.Add(rule.Regex);
            }

            foreach (BotRule rule in BotRules.LoadCrawlers())
            {
                rules.Add(rule.Regex);
            }
        }

        return rules;
    }

    /// <summary>The cases of one suite file: each a map of field name to expected value ("" for null).</summary>
    public static List<Dictionary<string, string>> Cases(string file)
    {
        string path = Path.Combine(Folder(), file);
        if (!File.Exists(path))
        {
            Assert.Fail($"The conformance file '{path}' is missing.");
        }

        var yaml = new YamlStream();
        using (var reader = new StreamReader(path))
        {
            yaml.Load(reader);
        }

        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        var cases = new List<Dictionary<string, string>>();
        foreach (YamlNode item in (YamlSequenceNode)root.Children[new YamlScalarNode("test_cases")])
        {
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (KeyValuePair<YamlNode, YamlNode> pair in ((YamlMappingNode)item).Children)
            {
                map[((YamlScalarNode)pair.Key).Value!] = pair.Value is YamlScalarNode scalar ? scalar.Value ?? "" : "";
            }

            cases.Add(map);
        }

        return cases;
    }
}
