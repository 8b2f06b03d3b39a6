using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Querying;
using ClickAnalytics.Sinks.ClickHouse.Storage;
using ClickAnalytics.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace ClickAnalytics.Sinks.ClickHouse.Tests.Support;

/// <summary>The store as a host registers it, on its own database of the test server; disposing it closes the store's client.</summary>
internal sealed class ClickHouseStore : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    public ClickHouseStore(string database, Action<ClickHouseOptions>? configure = null)
    {
        DatabaseName = database;
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddClickAnalytics().AddClickHouse(o =>
        {
            o.ConnectionString = ClickHouseServer.ConnectionString(database);
            o.LegacyServerCompatibility = true;
            configure?.Invoke(o);
        });
        _services = services.BuildServiceProvider();
        Store = _services.GetServices<IClickStore>().Single();
        Queries = _services.GetRequiredService<IClickQueries>();
    }

    public string DatabaseName { get; }

    public IServiceProvider Services => _services;

    public IClickStore Store { get; }

    /// <summary>The store's database (its schema, its client), for tests of the schema.</summary>
    public ClickHouseDatabase Database => ((ClickHouseClickStore)Store).Database;

    public IClickQueries Queries { get; }

    public Task WriteAsync(IEnumerable<EnrichedClick> clicks) => Store.WriteAsync(clicks.ToList(), CancellationToken.None).AsTask();

    public ValueTask DisposeAsync() => _services.DisposeAsync();

    public static readonly DateTimeOffset Start = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    public static EnrichedClick Click(
        string link, DateTimeOffset at, string? tenant = null, bool bot = false, bool repeat = false, Guid? id = null, string visitor = "v1", string country = "CH")
    {
        return new EnrichedClick(new ClickEvent
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
            Country = country,
            BrowserFamily = "Firefox",
            DeviceType = ClickAnalytics.DeviceType.Desktop,
            RefererMedium = RefererMedium.Search,
            RefererSource = "Google",
            VisitorId = visitor,
        };
    }
}
