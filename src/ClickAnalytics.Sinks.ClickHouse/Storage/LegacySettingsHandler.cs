using System;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace ClickAnalytics.Sinks.ClickHouse.Storage;

/// <summary>
/// Removes the JSON serialisation settings that ClickHouse.Driver adds to every request URL and
/// that servers before 24.x do not know (they answer "Unknown setting" and refuse the request), and
/// the default output format it asks for, which old servers lack: every read here names its FORMAT,
/// but an INSERT … SELECT has no place for one and old servers refuse it for that default.
/// Used only when <see cref="ClickHouseOptions.LegacyServerCompatibility"/> is on.
/// </summary>
internal sealed class LegacySettingsHandler : DelegatingHandler
{
    private static readonly string[] Unsupported =
    [
        "output_format_binary_write_json_as_string",
        "input_format_binary_read_json_as_string",
        "default_format",
    ];

    public LegacySettingsHandler(HttpMessageHandler inner)
        : base(inner)
    {
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.RequestUri is { Query.Length: > 1 } uri)
        {
            request.RequestUri = new UriBuilder(uri) { Query = WithoutUnsupported(uri.Query) }.Uri;
        }

        return base.SendAsync(request, cancellationToken);
    }

    internal static string WithoutUnsupported(string query)
    {
        var kept = new StringBuilder(query.Length);
        foreach (string pair in query.TrimStart('?').Split('&'))
        {
            if (pair.Length == 0 || IsUnsupported(pair))
            {
                continue;
            }

            kept.Append(kept.Length == 0 ? "" : "&").Append(pair);
        }

        return kept.ToString();
    }

    private static bool IsUnsupported(string pair)
    {
        int equals = pair.IndexOf('=', StringComparison.Ordinal);
        ReadOnlySpan<char> name = equals < 0 ? pair : pair.AsSpan(0, equals);
        foreach (string unsupported in Unsupported)
        {
            if (name.Equals(unsupported, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
