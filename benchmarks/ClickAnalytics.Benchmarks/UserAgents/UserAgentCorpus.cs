using System;
using System.Collections.Generic;
using System.IO;
using YamlDotNet.RepresentationModel;

namespace ClickAnalytics.Benchmarks.UserAgents;

/// <summary>The user agents of uap-core's test_ua.yaml, read from ../shared/testdata (or CLICKANALYTICS_UAP_TESTDATA).</summary>
internal static class UserAgentCorpus
{
    public static List<string> Load()
    {
        string folder = Environment.GetEnvironmentVariable("CLICKANALYTICS_UAP_TESTDATA") ?? FindFolder();
        string path = Path.Combine(folder, "test_ua.yaml");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The uap-core conformance suite is missing: expected '{path}' (set CLICKANALYTICS_UAP_TESTDATA).", path);
        }

        var yaml = new YamlStream();
        using (var reader = new StreamReader(path))
        {
            yaml.Load(reader);
        }

        var agents = new List<string>();
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        foreach (YamlNode item in (YamlSequenceNode)root.Children[new YamlScalarNode("test_cases")])
        {
            agents.Add(((YamlScalarNode)((YamlMappingNode)item).Children[new YamlScalarNode("user_agent_string")]).Value!);
        }

        return agents;
    }

    private static string FindFolder()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "ClickAnalytics.sln")))
        {
            directory = directory.Parent;
        }

        if (directory is null)
        {
            throw new DirectoryNotFoundException("No folder holding ClickAnalytics.sln above " + AppContext.BaseDirectory);
        }

        return Path.GetFullPath(Path.Combine(directory.FullName, "..", "shared", "testdata", "uap-core-0.18.0", "tests"));
    }
}
