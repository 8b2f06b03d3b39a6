using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics;
using ClickAnalytics.Querying;
using ClickAnalytics.Storage;
using DuckDB.NET.Data;
using Microsoft.Extensions.DependencyInjection;

namespace ClickAnalytics.Sinks.DuckDb.Tests.Support;

/// <summary>The store as a host registers it, on a file in a temporary folder.</summary>
internal sealed class DuckDbStore : IDisposable
{
    private readonly ServiceProvider _services;

    public DuckDbStore(string path)
    {
        Path = path;
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddClickAnalytics().AddDuckDb(o => o.Path = path);
        _services = services.BuildServiceProvider();
        Sink = _services.GetServices<IClickSink>().Single();
        Queries = _services.GetRequiredService<IClickQueries>();
    }

    public string Path { get; }

    public IClickSink Sink { get; }

    public IClickQueries Queries { get; }

    public Task WriteAsync(IEnumerable<EnrichedClick> clicks) => Sink.WriteAsync(clicks.ToList(), CancellationToken.None).AsTask();

    public void Dispose() => _services.Dispose();

    public static EnrichedClick Click(string link, DateTimeOffset at, string? tenant = null, bool bot = false, bool repeat = false, Guid? id = null)
    {
        var click = new EnrichedClick(new ClickEvent
        {
            EventId = id ?? ClickEventId.NewId(at),
            Timestamp = at,
            LinkId = link,
            TenantId = tenant,
            ClientIp = IPAddress.Loopback,
            UserAgent = "Mozilla/5.0 test",
            Referer = "https://www.example.org/",
            Flags = ClickFlags.QrCode,
            Tags = new Dictionary<string, string> { ["plan"] = "pro" },
        })
        {
            IsBot = bot,
            BotClass = bot ? BotClass.Crawler : BotClass.Human,
            IsRepeat = repeat,
            Country = "CH",
            BrowserFamily = "Firefox",
        };
        return click;
    }

    /// <summary>Reads the file with a connection of its own, independent of the store's code.</summary>
    public static List<object[]> Sql(string path, string sql)
    {
        using var connection = new DuckDBConnection($"Data Source={path}");
        connection.Open();
        using DuckDBCommand command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<object[]>();
        while (reader.Read())
        {
            var row = new object[reader.FieldCount];
            reader.GetValues(row);
            rows.Add(row);
        }

        return rows;
    }

    public static string TempPath() =>
        System.IO.Path.Combine(System.IO.Path.GetTempPath(), "clickanalytics-duckdb-tests", Guid.NewGuid().ToString("N"), "clicks.duckdb");

    public static void DeleteFolderOf(string path)
    {
        string folder = System.IO.Path.GetDirectoryName(path)!;
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
