using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using ClickAnalytics.Enrichment;
using Microsoft.Extensions.DependencyInjection;

namespace ClickAnalytics.Benchmarks.Enrichment;

/// <summary>
/// A realistic batch and the stages exactly as <c>AddClickAnalytics()</c> registers them (every
/// stage registered by default runs, including ones added later), with the free country database.
/// </summary>
internal sealed class EnrichmentWorkload : IDisposable
{
    public const int BatchSize = 1000;

    private static readonly string[] UserAgents =
    [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.39 Mobile Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
        "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
        "Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "WhatsApp/2.23.20.0",
        "curl/8.5.0",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 340.0.0.22.109",
    ];

    private static readonly string?[] Referers =
    [
        null, null, null,
        "https://www.google.com/",
        "https://www.google.co.uk/search?q=link+shortener",
        "https://www.bing.com/search?q=short+links&form=QBLH",
        "https://m.facebook.com/",
        "https://l.facebook.com/l.php?u=https%3A%2F%2Fsho.rt%2Fabc",
        "https://t.co/Xy12AbCd",
        "https://www.linkedin.com/feed/",
        "https://mail.google.com/mail/u/0/",
        "android-app://com.google.android.gm",
        "https://news.ycombinator.com/item?id=42000000",
        "https://someones-blog.example.org/2026/11/post",
        "https://www.reddit.com/r/dotnet/comments/abc/",
        "https://duckduckgo.com/",
    ];

    private static readonly string?[] Queries =
    [
        null, null, "?utm_source=newsletter&utm_medium=email&utm_campaign=november",
        "?gclid=Cj0KCQiA", "?utm_source=twitter&utm_medium=social", "?fbclid=IwAR0abc", "?ref=qr",
    ];

    private static readonly string?[] Languages =
    [
        "en-US,en;q=0.9", "de-DE,de;q=0.9,en;q=0.8", "fr-FR,fr;q=0.9", "es-ES,es;q=0.9,en;q=0.5", "ja", null, "pt-BR,pt;q=0.9,en-US;q=0.8,en;q=0.7",
    ];

    private readonly ServiceProvider _services;

    public EnrichmentWorkload()
    {
        string database = CountryDatabase();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddClickAnalytics();
        services.Configure<ClickAnalytics.Enrichment.Geo.GeoOptions>(o => o.DatabasePath = database);
        _services = services.BuildServiceProvider();
        Stages = _services.GetServices<IClickEnricher>().OrderBy(s => s.Order).ToArray();
        Events = BuildBatch(DateTimeOffset.UtcNow);
    }

    public IClickEnricher[] Stages { get; }

    public ClickEvent[] Events { get; }

    public List<EnrichedClick> NewBatch()
    {
        var batch = new List<EnrichedClick>(Events.Length);
        foreach (ClickEvent e in Events)
        {
            batch.Add(new EnrichedClick(e));
        }

        return batch;
    }

    private static ClickEvent[] BuildBatch(DateTimeOffset now)
    {
        var random = new Random(42);
        // 600 visitors: most addresses public IPv4 across the allocated space, some IPv6, a few private.
        var addresses = new IPAddress[600];
        for (int i = 0; i < addresses.Length; i++)
        {
            addresses[i] = (i % 10) switch
            {
                8 => IPAddress.Parse($"2a0{random.Next(0, 4)}:{random.Next(0x1000, 0xffff):x}:{random.Next(0, 0xffff):x}::{random.Next(1, 0xffff):x}"),
                9 when i % 30 == 9 => IPAddress.Parse($"192.168.{random.Next(256)}.{random.Next(1, 255)}"),
                _ => new IPAddress([(byte)random.Next(1, 223), (byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(1, 255)]),
            };
        }

        var events = new ClickEvent[BatchSize];
        for (int i = 0; i < events.Length; i++)
        {
            DateTimeOffset at = now.AddMilliseconds(i * 50);
            events[i] = new ClickEvent
            {
                EventId = ClickEventId.NewId(at),
                Timestamp = at,
                LinkId = "link-" + random.Next(200),
                TenantId = "tenant-" + random.Next(5),
                ClientIp = addresses[random.Next(addresses.Length)],
                UserAgent = UserAgents[random.Next(UserAgents.Length)],
                Referer = Referers[random.Next(Referers.Length)],
                QueryString = Queries[random.Next(Queries.Length)],
                AcceptLanguage = Languages[random.Next(Languages.Length)],
                DestinationUrl = "https://example.com/landing?utm_campaign=evergreen",
                Flags = random.Next(50) == 0 ? ClickFlags.Prefetch : ClickFlags.None,
            };
        }

        return events;
    }

    /// <summary>The CC0 country database, fetched once through eng/fetch-geoip.sh (pinned, integrity-checked).</summary>
    private static string CountryDatabase()
    {
        string directory = Path.Combine(Path.GetTempPath(), "clickanalytics-benchmarks", "geoip");
        string path = Path.Combine(directory, "country.mmdb");
        if (File.Exists(path))
        {
            return path;
        }

        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "ClickAnalytics.sln")))
        {
            root = Path.GetDirectoryName(root.TrimEnd(Path.DirectorySeparatorChar))
                ?? throw new InvalidOperationException("The benchmarks run from inside the repository (eng/fetch-geoip.sh is needed).");
        }

        using Process fetch = Process.Start(new ProcessStartInfo("bash", [Path.Combine(root, "eng", "fetch-geoip.sh"), directory]))!;
        fetch.WaitForExit();
        return File.Exists(path) ? path : throw new InvalidOperationException("eng/fetch-geoip.sh could not fetch the country database.");
    }

    public void Dispose() => _services.Dispose();
}
