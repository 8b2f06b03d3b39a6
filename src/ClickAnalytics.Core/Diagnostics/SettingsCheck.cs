using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ClickAnalytics;

/// <summary>A configuration section some registered options bind to.</summary>
internal sealed record SettingsSection(string Path, Type Options);

/// <summary>
/// Checks of the <c>ClickAnalytics</c> configuration that binding does not make: an enum value that
/// is not one of the enum's names fails with the valid names, and a key that no registered option
/// reads (a misspelling, a section of a package that is not added) is warned about at start, with
/// the closest known name.
/// </summary>
internal sealed partial class SettingsCheck(IEnumerable<SettingsSection> sections, IServiceProvider services, ILogger<SettingsCheck> logger) : IHostedService
{
    public const string Root = "ClickAnalytics";

    /// <summary>Throws, naming the key and the valid values, when an enum setting of <paramref name="options"/> holds another value.</summary>
    public static void ThrowOnInvalidEnumValues(IConfigurationSection section, Type options)
    {
        foreach (PropertyInfo property in Settable(options))
        {
            Type type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            string? value = section.GetSection(property.Name).Value;
            if (type.IsEnum && !string.IsNullOrEmpty(value) && !Enum.TryParse(type, value, ignoreCase: true, out object? parsed) | (parsed is not null && !Enum.IsDefined(type, parsed)))
            {
                throw new InvalidOperationException(
                    $"{section.Path}:{property.Name} is '{value}', which is not one of {string.Join(", ", Enum.GetNames(type))}.");
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (services.GetService<IConfiguration>() is not { } configuration)
        {
            return Task.CompletedTask;
        }

        var known = sections.GroupBy(s => s.Path, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First().Options, StringComparer.OrdinalIgnoreCase);
        foreach (string unknown in Unknown(configuration.GetSection(Root), known))
        {
            Log.UnknownSetting(logger, unknown);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Every key under <paramref name="section"/> that no registered option reads, with a suggestion when one is close.</summary>
    internal static IEnumerable<string> Unknown(IConfigurationSection section, IReadOnlyDictionary<string, Type> known)
    {
        known.TryGetValue(section.Path, out Type? options);
        Dictionary<string, PropertyInfo> properties = options is null ? [] : Settable(options).ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        string[] children = known.Keys.Where(k => IsChildOf(k, section.Path)).Select(k => k[(section.Path.Length + 1)..]).ToArray();
        foreach (IConfigurationSection child in section.GetChildren())
        {
            if (properties.TryGetValue(child.Key, out PropertyInfo? property))
            {
                // Lists, dictionaries and nested objects hold the host's own keys.
                continue;
            }

            if (children.Contains(child.Key, StringComparer.OrdinalIgnoreCase) || known.Keys.Any(k => IsChildOf(k, child.Path)))
            {
                foreach (string unknown in Unknown(child, known))
                {
                    yield return unknown;
                }

                continue;
            }

            string? closest = properties.Keys.Concat(children).Select(name => (name, distance: Distance(name, child.Key))).Where(c => c.distance <= 3)
                .OrderBy(c => c.distance).Select(c => c.name).FirstOrDefault();
            yield return closest is null
                ? $"{child.Path} (no registered part of ClickAnalytics reads it)"
                : $"{child.Path} (did you mean {section.Path}:{closest}?)";
        }
    }

    private static bool IsChildOf(string path, string parent) =>
        path.Length > parent.Length + 1 && path.StartsWith(parent + ":", StringComparison.OrdinalIgnoreCase);

    private static IEnumerable<PropertyInfo> Settable(Type options) =>
        options.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite || typeof(IEnumerable).IsAssignableFrom(p.PropertyType) && p.PropertyType != typeof(string));

    private static int Distance(string a, string b)
    {
        a = a.ToLowerInvariant();
        b = b.ToLowerInvariant();
        var row = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            row[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            int previous = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int current = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), previous + (a[i - 1] == b[j - 1] ? 0 : 1));
                previous = current;
            }
        }

        return row[b.Length];
    }

    private static partial class Log
    {
        [LoggerMessage(11, LogLevel.Warning, "Unknown setting {Setting}: it is ignored.")]
        public static partial void UnknownSetting(ILogger logger, string setting);
    }
}
