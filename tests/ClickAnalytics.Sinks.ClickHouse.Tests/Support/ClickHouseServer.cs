using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http;
using System.Text;
using System.Threading.Tasks;

namespace ClickAnalytics.Sinks.ClickHouse.Tests.Support;

/// <summary>
/// The real server that eng/test.sh starts. Talks plain HTTP, independent of the store's code, so
/// tests can check what the store wrote. Fails the test (never skips it) when the server is absent.
/// </summary>
internal static class ClickHouseServer
{
    private const string UrlVariable = "CLICKANALYTICS_TEST_CLICKHOUSE";
    private const string ControlVariable = "CLICKANALYTICS_TEST_CLICKHOUSE_CTL";
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromMinutes(2) };

    public static Uri Url
    {
        get
        {
            string? url = Environment.GetEnvironmentVariable(UrlVariable);
            if (string.IsNullOrEmpty(url))
            {
                Assert.Fail($"{UrlVariable} is not set: these tests need the ClickHouse server that eng/test.sh installs and starts (eng/servers/clickhouse.sh).");
            }

            return new Uri(url!);
        }
    }

    /// <summary>Creates an empty database for one test and returns its name.</summary>
    public static async Task<string> CreateDatabaseAsync()
    {
        string name = "ca_test_" + Guid.NewGuid().ToString("N")[..16];
        await SqlAsync($"CREATE DATABASE {name}", database: null).ConfigureAwait(false);
        return name;
    }

    public static Task DropDatabaseAsync(string name) => SqlAsync($"DROP DATABASE IF EXISTS {name}", database: null);

    /// <summary>A connection string for the store, on <paramref name="database"/>.</summary>
    public static string ConnectionString(string database) =>
        $"Host={Url.Host};Port={Url.Port.ToString(CultureInfo.InvariantCulture)};Protocol=http;Database={database};Username=default";

    /// <summary>Runs SQL and returns the answer's lines (use FORMAT TabSeparated or JSONEachRow).</summary>
    public static async Task<List<string>> SqlAsync(string sql, string? database)
    {
        string url = Url + (database is null ? "" : "?database=" + database);
        HttpResponseMessage response;
        try
        {
            response = await Http.PostAsync(url, new StringContent(sql, Encoding.UTF8)).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            Assert.Fail($"The ClickHouse server at {Url} does not answer ({ex.Message}); eng/test.sh starts it.");
            throw;
        }

        string body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"ClickHouse refused: {body}\n{sql}");
        }

        return [.. body.Split('\n', StringSplitOptions.RemoveEmptyEntries)];
    }

    public static async Task<long> CountAsync(string sql, string database) =>
        long.Parse((await SqlAsync(sql + " FORMAT TabSeparated", database).ConfigureAwait(false))[0], CultureInfo.InvariantCulture);

    /// <summary>Stops or starts the server with the control script eng/servers/clickhouse.sh writes.</summary>
    public static void Control(string command)
    {
        string? script = Environment.GetEnvironmentVariable(ControlVariable);
        if (string.IsNullOrEmpty(script))
        {
            Assert.Fail($"{ControlVariable} is not set: this test stops and restarts the ClickHouse server through the script eng/servers/clickhouse.sh writes.");
        }

        using var process = Process.Start(new ProcessStartInfo(script!, command) { UseShellExecute = false })!;
        process.WaitForExit();
        Assert.That(process.ExitCode, Is.Zero, $"'{script} {command}' failed");
    }
}
