using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Buffering;
using Microsoft.Extensions.DependencyInjection;

namespace ClickAnalytics.Sample.Shortener;

/// <summary>
/// A realistic day of clicks for the dashboard: eight links, visitors from fifteen countries on
/// phones, tablets and desktops, referers and campaigns, link-preview bots and repeated clicks,
/// spread over the last 24 hours with a daily shape (quiet at night, busy in the afternoon). The
/// clicks are captured as a redirect would capture them (IP, User-Agent, Referer, query string)
/// and go through the library's own buffer, enrichment and store, so every column is real.
/// </summary>
public static class DemoClicks
{
    /// <summary>The links the clicks go to.</summary>
    public static IReadOnlyList<Link> Links { get; } =
    [
        new("launch", "https://example.com/blog/launch"),
        new("pricing", "https://example.com/pricing"),
        new("docs", "https://example.com/docs/getting-started"),
        new("webinar", "https://example.com/events/webinar"),
        new("app", "https://apps.example.com/download"),
        new("careers", "https://example.com/careers"),
        new("q3-report", "https://example.com/reports/q3.pdf"),
        new("promo", "https://shop.example.com/promo"),
    ];

    // (country, first two bytes of a network there, Accept-Language), most traffic first.
    // The networks resolve to their country in the free database eng/fetch-geoip.sh fetches.
    private static readonly (string Country, string Network, string Language)[] Places =
    [
        ("US", "73.10", "en-US,en;q=0.9"), ("DE", "79.200", "de-DE,de;q=0.9,en;q=0.8"), ("GB", "86.140", "en-GB,en;q=0.9"),
        ("IN", "117.200", "en-IN,hi;q=0.8"), ("FR", "90.10", "fr-FR,fr;q=0.9"), ("BR", "189.10", "pt-BR,pt;q=0.9"),
        ("CA", "99.230", "en-CA,fr-CA;q=0.8"), ("JP", "126.10", "ja-JP,ja;q=0.9"), ("NL", "84.80", "nl-NL,nl;q=0.9,en;q=0.8"),
        ("ES", "83.40", "es-ES,es;q=0.9"), ("AU", "101.170", "en-AU,en;q=0.9"), ("IT", "151.20", "it-IT,it;q=0.9"),
        ("MX", "187.190", "es-MX,es;q=0.9"), ("KR", "175.200", "ko-KR,ko;q=0.9"), ("NG", "41.58", "en-NG,en;q=0.8"),
    ];

    private static readonly string[] Browsers =
    [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
        "Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
        "Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    ];

    private static readonly string[] Bots =
    [
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Twitterbot/1.0",
        "WhatsApp/2.23.20.0",
        "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    ];

    private static readonly string?[] Referers =
    [
        null, "https://www.google.com/", "https://t.co/x1Yz", "https://www.linkedin.com/feed/", "https://www.facebook.com/",
        "https://mail.google.com/", "https://news.ycombinator.com/item?id=1", "https://www.reddit.com/r/dotnet/", "https://www.bing.com/",
        "https://duckduckgo.com/", "https://partner.example.org/resources",
    ];

    private static readonly string[] Campaigns =
    [
        "?utm_source=newsletter&utm_medium=email&utm_campaign=weekly",
        "?utm_source=twitter&utm_medium=social&utm_campaign=launch",
        "?utm_source=google&utm_medium=cpc&utm_campaign=brand",
        "?utm_source=linkedin&utm_medium=social&utm_campaign=hiring",
        "?utm_source=newsletter&utm_medium=email&utm_campaign=black-friday",
        "?utm_source=partner&utm_medium=referral&utm_campaign=affiliates",
    ];

    /// <summary>
    /// The clicks of the 24 hours before <paramref name="now"/>, in time order: about
    /// <paramref name="count"/> people's clicks plus the repeats some of them make.
    /// </summary>
    public static IReadOnlyList<ClickEvent> Generate(DateTimeOffset now, int count, int seed = 18)
    {
        var random = new Random(seed);
        var people = Enumerable.Range(0, Math.Max(50, count / 3)).Select(_ => Person(random)).ToArray();
        DateTimeOffset start = now.AddHours(-24);
        var clicks = new List<ClickEvent>(count + count / 10);
        while (clicks.Count < count)
        {
            DateTimeOffset at = start.AddSeconds(random.NextDouble() * 86_400);
            if (random.NextDouble() * 1.3 > Shape(at))
            {
                continue;   // the day's shape: fewer clicks at night
            }

            bool bot = random.NextDouble() < 0.07;
            (string ip, string agent, string language) = bot
                ? ($"73.10.{random.Next(1, 120)}.{random.Next(1, 255)}", Bots[Skewed(random, Bots.Length, 1.5)], "en-US")
                : people[Skewed(random, people.Length, 1.6)];
            string link = Links[Skewed(random, Links.Count, 2.2)].Code;
            string? referer = bot ? null : Referers[Skewed(random, Referers.Length, 2.5)];
            string? query = !bot && random.NextDouble() < 0.28 ? Campaigns[Skewed(random, Campaigns.Length, 1.8)] : null;
            ClickFlags flags = !bot && referer is null && random.NextDouble() < 0.15 ? ClickFlags.QrCode : ClickFlags.None;
            clicks.Add(Click(at, link, ip, agent, language, referer, query, flags));
            if (!bot && random.NextDouble() < 0.06 && at.AddSeconds(3) < now)
            {
                // A double tap or a retry: the same visitor on the same link seconds later.
                clicks.Add(Click(at.AddSeconds(1 + random.NextDouble() * 2), link, ip, agent, language, referer, query, flags));
            }
        }

        clicks.Sort((a, b) => a.Timestamp.CompareTo(b.Timestamp));
        return clicks;
    }

    /// <summary>
    /// Adds the demo links (an existing code keeps its URL) and hands the clicks of the last 24 hours
    /// (about <paramref name="count"/>) and of the day before (about four fifths of that) to the
    /// library's buffer, which the background processor enriches and stores. Returns how many it took.
    /// </summary>
    public static int Seed(IServiceProvider services, DateTimeOffset now, int count)
    {
        LinkStore links = services.GetRequiredService<LinkStore>();
        foreach (Link link in Links)
        {
            links.TryAdd(link.Code, new Uri(link.Url), out _);
        }

        IClickBufferWriter buffer = services.GetRequiredService<IClickBufferWriter>();
        int taken = 0;
        // The day before too, a little quieter, so "previous period" has something to compare with.
        IEnumerable<ClickEvent> days = Generate(now.AddDays(-1), count * 4 / 5, seed: 17).Concat(Generate(now, count));
        foreach (ClickEvent click in days)
        {
            taken += buffer.TryWrite(click) ? 1 : 0;
        }

        return taken;
    }

    /// <summary>The sample's <c>seed [count]</c> mode: starts the host, seeds, and stops it, which stores every buffered click.</summary>
    public static async Task RunAsync(Microsoft.AspNetCore.Builder.WebApplication app, IReadOnlyList<string> arguments)
    {
        int count = arguments.Count > 0 && int.TryParse(arguments[0], NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : 4000;
        app.Urls.Clear();
        app.Urls.Add("http://127.0.0.1:0");   // seeding serves nothing; never clash with a running sample's port
        await app.StartAsync();
        TimeProvider time = app.Services.GetRequiredService<TimeProvider>();
        int taken = Seed(app.Services, time.GetUtcNow(), count);
        await app.StopAsync();   // drains the buffer into the store
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Seeded {taken} clicks over the last 48 hours on {Links.Count} links ({string.Join(", ", Links.Select(l => "/" + l.Code))})."));
    }

    private static (string Ip, string Agent, string Language) Person(Random random)
    {
        (string _, string network, string language) = Places[Skewed(random, Places.Length, 2.0)];
        string ip = string.Create(CultureInfo.InvariantCulture, $"{network}.{random.Next(128, 251)}.{random.Next(1, 255)}");
        return (ip, Browsers[Skewed(random, Browsers.Length, 2.0)], language);
    }

    private static ClickEvent Click(DateTimeOffset at, string link, string ip, string agent, string language, string? referer, string? query, ClickFlags flags) => new()
    {
        EventId = Guid.CreateVersion7(at),
        Timestamp = at,
        LinkId = link,
        ClientIp = IPAddress.Parse(ip),
        UserAgent = agent,
        AcceptLanguage = language,
        Referer = referer,
        QueryString = query,
        Flags = flags,
    };

    /// <summary>Relative traffic at a UTC instant: a night low, an afternoon peak and an evening bump.</summary>
    private static double Shape(DateTimeOffset at)
    {
        double hour = at.UtcDateTime.TimeOfDay.TotalHours;
        return 0.12 + Math.Exp(-Math.Pow(hour - 14, 2) / 18) + 0.4 * Math.Exp(-Math.Pow(hour - 20, 2) / 6);
    }

    /// <summary>An index into <paramref name="count"/> values, the first ones far more often (a power law).</summary>
    private static int Skewed(Random random, int count, double power) => Math.Min(count - 1, (int)(Math.Pow(random.NextDouble(), power) * count));
}
