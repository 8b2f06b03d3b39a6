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
using Microsoft.Extensions.Logging.Testing;

namespace ClickAnalytics.Sinks.DuckDb.Tests.Support;

/// <summary>The store as a host registers it, on a file in a temporary folder; disposing it closes the file.</summary>
internal sealed class DuckDbStore : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    public DuckDbStore(string path, Action<DuckDbOptions>? configure = null)
    {
        Path = path;
        var services = new ServiceCollection();
        services.AddFakeLogging();
        services.AddClickAnalytics().AddDuckDb(o =>
        {
            o.Path = path;
            configure?.Invoke(o);
        });
        _services = services.BuildServiceProvider();
        Store = _services.GetServices<IClickStore>().Single();
        Queries = _services.GetRequiredService<IClickQueries>();
    }

    public string Path { get; }

    public IClickStore Store { get; }

    public IClickQueries Queries { get; }

    /// <summary>What the store logged.</summary>
    public FakeLogCollector Logs => _services.GetFakeLogCollector();

    /// <summary>The store's services, for its meter (<c>IMeterFactory</c>) and options.</summary>
    public IServiceProvider Services => _services;

    public Task WriteAsync(IEnumerable<EnrichedClick> clicks) => Store.WriteAsync(clicks.ToList(), CancellationToken.None).AsTask();

    public ValueTask DisposeAsync() => _services.DisposeAsync();

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
