using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;

namespace ClickAnalytics.Testing.Storage;

/// <summary>Clicks for the store contract: one with every column set, a plain one, and a seeded realistic dataset.</summary>
public static class ContractClicks
{
    /// <summary>The morning of the first day the contract's clicks happen on.</summary>
    public static readonly DateTimeOffset Day1 = new(2026, 10, 1, 9, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// A click whose every column holds a value other than its empty one, different for each
    /// <paramref name="n"/>: text on both sides of 12 UTF-8 bytes (where some stores change how they
    /// keep a string), non-ASCII text, the largest <see cref="uint"/>, set flags, a repeat-of id, and a
    /// timestamp with sub-millisecond ticks that the schema truncates.
    /// </summary>
    public static EnrichedClick Full(int n, DateTimeOffset at)
    {
        string s = n.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new EnrichedClick(new ClickEvent
        {
            EventId = ClickEventId.NewId(at),
            Timestamp = at.AddTicks(1_234 + n),
            LinkId = "link-" + s,
            TenantId = "tenant-" + s,
            ClientIp = IPAddress.Parse("192.0.2.7"),
            UserAgent = $"Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.{s}",
            Referer = $"https://www.google.com/search?q=o%27clock+{s}",
            Flags = ClickFlags.HeadRequest | ClickFlags.Prefetch | ClickFlags.QrCode,
            Tags = new Dictionary<string, string> { ["plan"] = "pro", ["n"] = s },
        })
        {
            BrowserFamily = "Firefox", BrowserMajor = "140", BrowserMinor = s, BrowserPatch = "1",
            OsFamily = "Linux", OsMajor = "6", OsMinor = "8", OsPatch = "12", OsPatchMinor = "3",
            DeviceFamily = "Other", DeviceBrand = "Brand " + s, DeviceModel = "Model " + s, DeviceType = DeviceType.Desktop,
            IsBot = true, BotClass = "crawler", BotReasons = "known-agent,prefetch",
            Continent = "EU", Country = "CH", Region = "ZH", City = n % 2 == 0 ? "Zürich" : "東京都",
            Asn = n % 2 == 0 ? uint.MaxValue : 3303u + (uint)n, AsnOrganization = "Swisscom (Schweiz) AG", GeoDatabase = "GeoLite2-City",
            RefererHost = "www.google.com", RefererMedium = "search", RefererSource = "Google", SearchTerm = "o'clock " + s,
            UtmSource = "newsletter", UtmMedium = "email", UtmCampaign = "autumn-" + s, UtmTerm = "shoes", UtmContent = "banner b",
            Language = "de-CH", VisitorId = "v-" + new string('x', 20) + s, StoredIp = "2001:db8::" + s,
            IsRepeat = true, RepeatOf = Guid.NewGuid(), RepeatReason = "same-visitor",
        };
    }

    /// <summary>A plain click on a link.</summary>
    public static EnrichedClick Simple(string link, DateTimeOffset at, string? tenant = null, bool bot = false, bool repeat = false) =>
        new(new ClickEvent
        {
            EventId = ClickEventId.NewId(at),
            Timestamp = at,
            LinkId = link,
            TenantId = tenant,
            UserAgent = bot ? "Slackbot-LinkExpanding 1.0" : "Mozilla/5.0 test",
            Referer = "https://www.example.org/",
        })
        {
            IsBot = bot,
            BotClass = bot ? "preview" : "human",
            IsRepeat = repeat,
            RepeatReason = repeat ? "same-visitor" : "",
            Country = "CH",
        };

    /// <summary>
    /// <paramref name="count"/> plain clicks on link <paramref name="link"/>, a second apart from <paramref name="from"/>.
    /// </summary>
    public static List<EnrichedClick> Seconds(string link, DateTimeOffset from, int count) =>
        Enumerable.Range(0, count).Select(i => Simple(link, from.AddSeconds(i))).ToList();

    /// <summary>
    /// A fixed, realistic dataset from a seed: three tenants (one of them none), skewed link
    /// popularity, about one bot and one repeat in ten, clicks at the very first and last millisecond
    /// of a day, over <see cref="DatasetFirstDay"/> to <see cref="DatasetLastDay"/> with no click at all
    /// on <see cref="DatasetEmptyDay"/>; in the order a buffer would hand them over (mostly, not
    /// strictly, by time).
    /// </summary>
    public static List<EnrichedClick> Dataset(int seed = 20261001, int count = 3_000)
    {
        var random = new Random(seed);
        string?[] tenants = ["acme", "acme", "acme", "acme", "acme", "globex", "globex", "globex", null, null];
        // Link n is clicked about twice as often as link n + 1.
        string[] links = ["home", "pricing", "blog-1", "blog-2", "docs", "careers", "press", "legal"];
        var clicks = new List<EnrichedClick>(count);
        DateTimeOffset start = DatasetFirstDay.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        int days = DatasetLastDay.DayNumber - DatasetFirstDay.DayNumber + 1;
        for (int i = 0; i < count; i++)
        {
            int day;
            do
            {
                day = random.Next(days);
            }
            while (DatasetFirstDay.AddDays(day) == DatasetEmptyDay);

            DateTimeOffset at = (i % 97) switch
            {
                0 => start.AddDays(day),
                1 => start.AddDays(day + 1).AddMilliseconds(-1),
                _ => start.AddDays(day).AddMilliseconds(random.NextInt64(86_400_000)),
            };
            int link = 0;
            while (link < links.Length - 1 && random.Next(2) == 1)
            {
                link++;
            }

            clicks.Add(Simple(links[link], at, tenants[random.Next(tenants.Length)], bot: random.Next(10) == 0, repeat: random.Next(9) == 0));
        }

        // Batches come roughly in time order, with neighbours swapped as concurrent requests do.
        clicks.Sort((a, b) => a.Click.Timestamp.CompareTo(b.Click.Timestamp));
        for (int i = 1; i < clicks.Count; i += 3)
        {
            (clicks[i - 1], clicks[i]) = (clicks[i], clicks[i - 1]);
        }

        return clicks;
    }

    /// <summary>The first day of <see cref="Dataset"/>.</summary>
    public static readonly DateOnly DatasetFirstDay = new(2026, 10, 1);

    /// <summary>The last day of <see cref="Dataset"/>.</summary>
    public static readonly DateOnly DatasetLastDay = new(2026, 10, 10);

    /// <summary>A day inside <see cref="Dataset"/>'s range without any click.</summary>
    public static readonly DateOnly DatasetEmptyDay = new(2026, 10, 4);
}
