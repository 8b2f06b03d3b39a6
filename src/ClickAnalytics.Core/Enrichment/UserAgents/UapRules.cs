using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using YamlDotNet.RepresentationModel;

namespace ClickAnalytics.Enrichment.UserAgents;

/// <summary>One rule of a uap-core parser list: its regex and its replacements (null when absent).</summary>
/// <param name="Regex">The expression, as written.</param>
/// <param name="IgnoreCase">Whether <c>regex_flag: 'i'</c> was given.</param>
/// <param name="Replacements">Per output field, the replacement template, or null to take the field's capture group.</param>
internal sealed record UapRule(string Regex, bool IgnoreCase, string?[] Replacements);

/// <summary>The three rule lists of a uap-core <c>regexes.yaml</c>.</summary>
internal sealed class UapRules
{
    internal const string EmbeddedResourceName = "ClickAnalytics.Data.uap-core.regexes.yaml";

    /// <summary>Replacement keys of <c>user_agent_parsers</c>, in output order.</summary>
    internal static readonly string[] UserAgentKeys = ["family_replacement", "v1_replacement", "v2_replacement", "v3_replacement"];

    /// <summary>Replacement keys of <c>os_parsers</c>, in output order.</summary>
    internal static readonly string[] OsKeys = ["os_replacement", "os_v1_replacement", "os_v2_replacement", "os_v3_replacement", "os_v4_replacement"];

    /// <summary>Replacement keys of <c>device_parsers</c>, in output order.</summary>
    internal static readonly string[] DeviceKeys = ["device_replacement", "brand_replacement", "model_replacement"];

    public required IReadOnlyList<UapRule> UserAgent { get; init; }

    public required IReadOnlyList<UapRule> Os { get; init; }

    public required IReadOnlyList<UapRule> Device { get; init; }

    /// <summary>The rules that ship inside the assembly (uap-core 0.18.0).</summary>
    public static UapRules LoadEmbedded()
    {
        using Stream stream = OpenEmbedded(EmbeddedResourceName);
        return Load(stream);
    }

    internal static Stream OpenEmbedded(string name) =>
        Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
        ?? throw new InvalidOperationException($"The assembly lacks its embedded resource '{name}'; it was built without the npm data step.");

    /// <summary>Reads a <c>regexes.yaml</c>. Throws <see cref="InvalidDataException"/> when it does not have the expected shape.</summary>
    public static UapRules Load(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var yaml = new YamlStream();
        try
        {
            using var reader = new StreamReader(stream);
            yaml.Load(reader);
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new InvalidDataException("The user-agent rules are not valid YAML: " + e.Message, e);
        }

        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new InvalidDataException("The user-agent rules file has no top-level mapping.");
        }

        return new UapRules
        {
            UserAgent = ReadList(root, "user_agent_parsers", UserAgentKeys),
            Os = ReadList(root, "os_parsers", OsKeys),
            Device = ReadList(root, "device_parsers", DeviceKeys),
        };
    }

    private static List<UapRule> ReadList(YamlMappingNode root, string name, string[] keys)
    {
        if (!root.Children.TryGetValue(new YamlScalarNode(name), out YamlNode? node) || node is not YamlSequenceNode sequence)
        {
            throw new InvalidDataException($"The user-agent rules file lacks the list '{name}'.");
        }

        var rules = new List<UapRule>(sequence.Children.Count);
        foreach (YamlNode item in sequence.Children)
        {
            if (item is not YamlMappingNode map)
            {
                throw new InvalidDataException($"An entry of '{name}' is not a mapping.");
            }

            string? regex = Scalar(map, "regex");
            if (string.IsNullOrEmpty(regex))
            {
                throw new InvalidDataException($"An entry of '{name}' has no regex.");
            }

            var replacements = new string?[keys.Length];
            for (int k = 0; k < keys.Length; k++)
            {
                replacements[k] = Scalar(map, keys[k]);
            }

            rules.Add(new UapRule(regex, Scalar(map, "regex_flag") == "i", replacements));
        }

        return rules;
    }

    private static string? Scalar(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out YamlNode? value) && value is YamlScalarNode scalar ? scalar.Value : null;
}
